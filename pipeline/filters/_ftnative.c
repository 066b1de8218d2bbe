/* fastText's supervised predict (fastText 0.9.2, the library the project pins), in one pass per text.

The model arrays come from pipeline/filters/ftmodel.py, which reads the .bin/.ftz file: the dictionary, the
prune map of a quantised model, the input matrix with every row decoded to floats (alpha * centroid, the
product fastText adds), the output matrix (centroids, with the row norm applied after the dot product, as
fastText's mulcode does) and the Huffman tree of hierarchical softmax. The arithmetic is fastText's, operation
for operation and in the same order, so labels and probabilities are the same floats (tests compare them on
real documents and on models trained with every option this module accepts). What it saves: no stream, no
std::string per word or n-gram, no unordered_map, no product-quantiser decoding per row.

predict(model, texts, k) takes texts already prepared (lower-cased); a newline is a space here, as the
callers replace it, and the text ends with fastText's end-of-sentence token.
*/
#include "_ftnative.h"

#include <stdlib.h>
#include <string.h>

uint32_t fnv(const unsigned char *s, Py_ssize_t n) {
    uint32_t h = 2166136261u;
    for (Py_ssize_t i = 0; i < n; i++) h = fnv_step(h, s[i]);
    return h;
}

/* fastText's Dictionary::pushHash: the input row of bucket `id`, or -1 when pruning dropped it */
int32_t bucket_row(const Model *m, int32_t id) {
    if (m->pruned == 0 || id < 0) return -1;
    if (m->pruned > 0) {
        for (uint32_t s = mix((uint32_t)id) & m->pmask;; s = (s + 1) & m->pmask) {
            if (m->pkey[s] == id) { id = m->pval[s]; break; }
            if (m->pkey[s] == -1) return -1;
        }
    }
    return m->nwords + id;
}

int32_t find_word(const Model *m, const unsigned char *w, Py_ssize_t n, uint32_t h) {
    for (uint32_t s = mix(h) & m->wmask;; s = (s + 1) & m->wmask) {
        int32_t i = m->wslot[s];
        if (i < 0) return -1;
        if (m->whash[i] == h && m->woff[i + 1] - m->woff[i] == n && memcmp(m->wbytes + m->woff[i], w, n) == 0) return i;
    }
}

int push(Ints *a, int32_t x) {
    if (a->n == a->cap) {
        Py_ssize_t cap = a->cap ? 2 * a->cap : 256;
        int32_t *v = realloc(a->v, cap * sizeof(int32_t));
        if (!v) return -1;
        a->v = v, a->cap = cap;
    }
    a->v[a->n++] = x;
    return 0;
}

/* fastText's computeSubwords on "<" word ">" (w holds the brackets): n-grams of minn..maxn characters */
int subwords(const Model *m, const unsigned char *w, Py_ssize_t len, Ints *rows) {
    for (Py_ssize_t i = 0; i < len; i++) {
        if ((w[i] & 0xC0) == 0x80) continue;
        uint32_t h = 2166136261u;
        Py_ssize_t j = i;
        for (int32_t n = 1; j < len && n <= m->maxn; n++) {
            h = fnv_step(h, w[j++]);
            while (j < len && (w[j] & 0xC0) == 0x80) h = fnv_step(h, w[j++]);
            if (n >= m->minn && !(n == 1 && (i == 0 || j == len))) {
                int32_t r = bucket_row(m, (int32_t)(h % (uint32_t)m->bucket));
                if (r >= 0 && push(rows, r) < 0) return -1;
            }
        }
    }
    return 0;
}

static void free_model(Model *m) {
    if (!m) return;
    free(m->wbytes), free(m->woff), free(m->whash), free(m->wtype), free(m->wslot), free(m->sub_off);
    free(m->sub_rows), free(m->pkey), free(m->pval), free(m->in), free(m->out), free(m->out_alpha);
    free(m->left), free(m->right), free(m);
}

static void capsule_free(PyObject *cap) { free_model(PyCapsule_GetPointer(cap, "ftnative.model")); }

static void *copy_buffer(PyObject *obj, Py_ssize_t want) {
    Py_buffer b;
    if (PyObject_GetBuffer(obj, &b, PyBUF_SIMPLE) < 0) return NULL;
    void *p = NULL;
    if (b.len != want) PyErr_Format(PyExc_ValueError, "model array of %zd bytes, expected %zd", b.len, want);
    else if ((p = malloc(want ? want : 1)) != NULL) memcpy(p, b.buf, want);
    else PyErr_NoMemory();
    PyBuffer_Release(&b);
    return p;
}

static int slots_for(int64_t n) { int32_t s = 16; while (s < 2 * n) s *= 2; return s; }

static int build_words(Model *m) {
    int32_t ns = slots_for(m->size);
    m->wmask = ns - 1;
    m->wslot = malloc(ns * sizeof(int32_t));
    m->whash = malloc((m->size + 1) * sizeof(uint32_t));
    m->sub_off = malloc((m->size + 1) * sizeof(int32_t));
    if (!m->wslot || !m->whash || !m->sub_off) return -1;
    memset(m->wslot, 0xff, ns * sizeof(int32_t));
    Ints rows = {0};
    unsigned char *buf = NULL;
    for (int32_t i = 0; i < m->size; i++) {
        const unsigned char *w = (const unsigned char *)m->wbytes + m->woff[i];
        Py_ssize_t n = m->woff[i + 1] - m->woff[i];
        uint32_t h = m->whash[i] = fnv(w, n), s = mix(h) & m->wmask;
        while (m->wslot[s] >= 0) s = (s + 1) & m->wmask;
        m->wslot[s] = i;
        int is_eos = n == 4 && memcmp(w, "</s>", 4) == 0;
        m->sub_off[i] = (int32_t)rows.n;
        if (push(&rows, i) < 0) goto fail;
        if (!is_eos && m->maxn > 0) {  /* fastText's initNgrams (words without n-grams when maxn is 0) */
            unsigned char *nb = realloc(buf, n + 2);
            if (!nb) goto fail;
            buf = nb, buf[0] = '<', memcpy(buf + 1, w, n), buf[n + 1] = '>';
            if (subwords(m, buf, n + 2, &rows) < 0) goto fail;
        }
    }
    m->sub_off[m->size] = (int32_t)rows.n;
    m->sub_rows = rows.v;
    free(buf);
    return 0;
fail:
    free(buf), free(rows.v);
    return -1;
}

static int build_prune(Model *m, PyObject *keys, PyObject *vals) {
    int64_t n = m->pruned > 0 ? m->pruned : 0;
    int32_t *k = copy_buffer(keys, n * 4), *v = k ? copy_buffer(vals, n * 4) : NULL;
    if (!v) { free(k); return -1; }
    int32_t ns = slots_for(n);
    m->pmask = ns - 1;
    m->pkey = malloc(ns * sizeof(int32_t)), m->pval = malloc(ns * sizeof(int32_t));
    if (!m->pkey || !m->pval) { free(k), free(v); PyErr_NoMemory(); return -1; }
    memset(m->pkey, 0xff, ns * sizeof(int32_t));
    for (int64_t i = 0; i < n; i++) {
        uint32_t s = mix((uint32_t)k[i]) & m->pmask;
        while (m->pkey[s] >= 0 && m->pkey[s] != k[i]) s = (s + 1) & m->pmask;
        m->pkey[s] = k[i], m->pval[s] = v[i];
    }
    free(k), free(v);
    return 0;
}

/* model(ints, pruned, words, offsets, types, prune_keys, prune_vals, input, output, output_alpha, left, right) */
static PyObject *ft_model(PyObject *self, PyObject *args) {
    int32_t a[9];
    long long pruned;
    PyObject *words, *offs, *types, *pk, *pv, *in, *out, *alpha, *left, *right;
    if (!PyArg_ParseTuple(args, "(iiiiiiiii)LOOOOOOOOOO", &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6], &a[7], &a[8],
                          &pruned, &words, &offs, &types, &pk, &pv, &in, &out, &alpha, &left, &right))
        return NULL;
    Model *m = calloc(1, sizeof(Model));
    if (!m) return PyErr_NoMemory();
    m->dim = a[0], m->nwords = a[1], m->size = a[2], m->minn = a[3], m->maxn = a[4], m->bucket = a[5];
    m->word_ngrams = a[6], m->loss = a[7], m->nlabels = a[8], m->pruned = pruned;
    int64_t rows = m->nwords + (m->pruned >= 0 ? m->pruned : m->bucket), nodes = 2 * (int64_t)m->nlabels - 1;
    if (m->dim <= 0 || m->nlabels <= 0 || m->bucket <= 0 || (m->loss != LOSS_HS && m->loss != LOSS_SOFTMAX)) {
        PyErr_SetString(PyExc_ValueError, "unsupported fastText model");
        goto fail;
    }
    if (!(m->woff = copy_buffer(offs, (m->size + 1) * 8)) || !(m->wbytes = copy_buffer(words, m->woff[m->size])) ||
        !(m->wtype = copy_buffer(types, m->size)) ||
        !(m->in = copy_buffer(in, rows * m->dim * 4)) || !(m->out = copy_buffer(out, (int64_t)m->nlabels * m->dim * 4)) ||
        (alpha != Py_None && !(m->out_alpha = copy_buffer(alpha, m->nlabels * 4))) ||
        !(m->left = copy_buffer(left, nodes * 4)) || !(m->right = copy_buffer(right, nodes * 4)))
        goto fail;
    if (build_prune(m, pk, pv) < 0) goto fail;
    if (build_words(m) < 0) { if (!PyErr_Occurred()) PyErr_NoMemory(); goto fail; }
    PyObject *cap = PyCapsule_New(m, "ftnative.model", capsule_free);
    if (!cap) goto fail;
    return cap;
fail:
    free_model(m);
    return NULL;
}

static PyMethodDef methods[] = {
    {"model", ft_model, METH_VARARGS, "model(...) -> capsule: a fastText model's arrays (ftmodel.py builds the call)"},
    {"predict", ft_predict, METH_VARARGS, "predict(model, texts, k) -> [[(label index, probability)], ...]"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ftnative", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__ftnative(void) { return PyModule_Create(&module); }
