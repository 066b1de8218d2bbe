/* fastText's predict for _ftnative.c's model: tokens, input rows, the average, hierarchical softmax or softmax. */
#include "_ftnative.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct { float score; int32_t label; } Pred;
typedef struct { Pred *p; long k, n; } Top; /* room for k + 1 */
typedef struct { float *hidden, *out; Ints rows, hashes; unsigned char *buf; Py_ssize_t bufcap; } Work;

/* fastText keeps the k best in a std::vector with std::push_heap / pop_heap / sort_heap and comparePairs
   (a.score > b.score); these are libstdc++'s algorithms, step for step, so equal scores come out in its order */
static void sift_up(Pred *h, long hole, long top, Pred v) {
    long parent = (hole - 1) / 2;
    while (hole > top && h[parent].score > v.score) h[hole] = h[parent], hole = parent, parent = (hole - 1) / 2;
    h[hole] = v;
}

static void pop_heap(Pred *h, long n) {
    if (n < 2) return;
    Pred v = h[n - 1];
    long len = n - 1, hole = 0, child = 0;
    h[n - 1] = h[0];
    while (child < (len - 1) / 2) {
        child = 2 * (child + 1);
        if (h[child].score > h[child - 1].score) child--;
        h[hole] = h[child], hole = child;
    }
    if ((len & 1) == 0 && child == (len - 2) / 2) child = 2 * (child + 1), h[hole] = h[child - 1], hole = child - 1;
    sift_up(h, hole, 0, v);
}

static void top_push(Top *t, float score, int32_t label) {
    t->p[t->n].score = score, t->p[t->n].label = label;
    sift_up(t->p, t->n, 0, t->p[t->n]);
    if (++t->n > t->k) pop_heap(t->p, t->n--);
}

static void top_sort(Top *t) {
    for (long n = t->n; n > 1; n--) pop_heap(t->p, n);
}

static float std_log(float x) { return (float)log((double)x + 1e-5); }

/* fastText's dotRow: dense `d += at(i, j) * vec[j]`; quantised mulcode `res += x[j] * c[j]`, then `res * norm` */
static float dot_row(const Model *m, const float *x, int32_t row) {
    const float *c = m->out + (int64_t)row * m->dim;
    float d = 0.0f;
    if (!m->out_alpha) {
        for (int32_t j = 0; j < m->dim; j++) d += c[j] * x[j];
        return d;
    }
    for (int32_t j = 0; j < m->dim; j++) d += x[j] * c[j];
    return d * m->out_alpha[row];
}

static void dfs(const Model *m, int32_t node, float score, float lthr, const float *hidden, Top *top) {
    if (score < lthr) return;
    if (top->n == top->k && score < top->p[0].score) return;
    if (m->left[node] == -1 && m->right[node] == -1) { top_push(top, score, node); return; }
    float f = dot_row(m, hidden, node - m->nlabels);
    f = (float)(1. / (double)(1.0f + expf(-f)));
    dfs(m, m->left[node], score + std_log((float)(1.0 - (double)f)), lthr, hidden, top);
    dfs(m, m->right[node], score + std_log(f), lthr, hidden, top);
}

/* fastText's SoftmaxLoss::computeOutput and findKBest (threshold 0) */
static void softmax(const Model *m, const float *hidden, float *out, Top *top) {
    for (int32_t i = 0; i < m->nlabels; i++) out[i] = dot_row(m, hidden, i);
    float max = out[0], z = 0.0f;
    for (int32_t i = 0; i < m->nlabels; i++) max = out[i] < max ? max : out[i];
    for (int32_t i = 0; i < m->nlabels; i++) out[i] = (float)exp((double)(out[i] - max)), z += out[i];
    for (int32_t i = 0; i < m->nlabels; i++) out[i] /= z;
    for (int32_t i = 0; i < m->nlabels; i++) {
        if (out[i] < 0.0f) continue;
        float s = std_log(out[i]);
        if (top->n == top->k && s < top->p[0].score) continue;
        top_push(top, s, i);
    }
}

static void add_row(const Model *m, float *hidden, int32_t row) {
    const float *r = m->in + (int64_t)row * m->dim;
    for (int32_t j = 0; j < m->dim; j++) hidden[j] += r[j];
}

/* fastText's getLine + addSubwords for one token; returns the rows added or -1 (no memory) */
static Py_ssize_t add_token(const Model *m, const unsigned char *t, Py_ssize_t n, Work *w) {
    uint32_t h = fnv(t, n);
    int32_t wid = find_word(m, t, n, h);
    if (wid >= 0 ? m->wtype[wid] == TYPE_LABEL : (n >= 9 && memcmp(t, "__label__", 9) == 0)) return 0;
    if (push(&w->hashes, (int32_t)h) < 0) return -1;
    if (wid >= 0) {
        for (int32_t i = m->sub_off[wid]; i < m->sub_off[wid + 1]; i++) add_row(m, w->hidden, m->sub_rows[i]);
        return m->sub_off[wid + 1] - m->sub_off[wid];
    }
    if (n == 4 && memcmp(t, "</s>", 4) == 0) return 0;
    if (w->bufcap < n + 2) {
        unsigned char *b = realloc(w->buf, n + 2);
        if (!b) return -1;
        w->buf = b, w->bufcap = n + 2;
    }
    w->buf[0] = '<', memcpy(w->buf + 1, t, n), w->buf[n + 1] = '>';
    w->rows.n = 0;
    if (subwords(m, w->buf, n + 2, &w->rows) < 0) return -1;
    for (Py_ssize_t i = 0; i < w->rows.n; i++) add_row(m, w->hidden, w->rows.v[i]);
    return w->rows.n;
}

static int is_space(unsigned char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == '\0';
}

/* the tokens of s, then </s> (fastText reads the text with a newline appended); a "</s>" token ends the line */
static int predict_one(const Model *m, const unsigned char *s, Py_ssize_t len, Work *w, Top *top) {
    memset(w->hidden, 0, m->dim * sizeof(float));
    w->hashes.n = 0;
    int64_t count = 0;
    for (Py_ssize_t i = 0;;) {
        while (i < len && is_space(s[i])) i++;
        Py_ssize_t start = i;
        while (i < len && !is_space(s[i])) i++;
        const unsigned char *t = i > start ? s + start : (const unsigned char *)"</s>";
        Py_ssize_t n = i > start ? i - start : 4, added = add_token(m, t, n, w);
        if (added < 0) return -1;
        count += added;
        if (n == 4 && memcmp(t, "</s>", 4) == 0) break;
    }
    for (Py_ssize_t i = 0; m->word_ngrams > 1 && i < w->hashes.n; i++) {  /* fastText's addWordNgrams */
        uint64_t h = (uint64_t)(int64_t)w->hashes.v[i];
        for (Py_ssize_t j = i + 1; j < w->hashes.n && j < i + m->word_ngrams; j++) {
            h = h * 116049371 + (uint64_t)(int64_t)w->hashes.v[j];
            int32_t r = bucket_row(m, (int32_t)(h % (uint64_t)m->bucket));
            if (r >= 0) add_row(m, w->hidden, r), count++;
        }
    }
    top->n = 0;
    if (count == 0) return 0;  /* fastText predicts nothing for a line without input rows */
    float scale = (float)(1.0 / (double)count);
    for (int32_t j = 0; j < m->dim; j++) w->hidden[j] *= scale;
    float lthr = std_log(0.0f);
    if (m->loss == LOSS_HS) dfs(m, 2 * m->nlabels - 2, 0.0f, lthr, w->hidden, top);
    else softmax(m, w->hidden, w->out, top);
    top_sort(top);
    return 0;
}

PyObject *ft_predict(PyObject *self, PyObject *args) {
    PyObject *cap, *texts;
    int k;
    if (!PyArg_ParseTuple(args, "OOi", &cap, &texts, &k)) return NULL;
    Model *m = PyCapsule_GetPointer(cap, "ftnative.model");
    PyObject *seq = m ? PySequence_Fast(texts, "texts must be a sequence of str") : NULL;
    if (!seq) return NULL;
    if (k <= 0) k = m->nlabels;
    Work w = {0};
    Top top = {malloc((k + 1) * sizeof(Pred)), k, 0};
    w.hidden = malloc(m->dim * sizeof(float)), w.out = malloc(m->nlabels * sizeof(float));
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *result = PyList_New(n);
    if (!top.p || !w.hidden || !w.out) { Py_XDECREF(result); result = PyErr_NoMemory(); }
    for (Py_ssize_t i = 0; result && i < n; i++) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(seq, i), &len);
        PyObject *row = NULL;
        if (s && predict_one(m, (const unsigned char *)s, len, &w, &top) < 0) PyErr_NoMemory();
        else if (s && (row = PyList_New(top.n)) != NULL)
            for (int j = 0; j < top.n; j++)
                PyList_SET_ITEM(row, j, Py_BuildValue("(id)", top.p[j].label, (double)expf(top.p[j].score)));
        if (!row) { Py_CLEAR(result); break; }
        PyList_SET_ITEM(result, i, row);
    }
    free(top.p), free(w.hidden), free(w.out), free(w.rows.v), free(w.hashes.v), free(w.buf);
    Py_DECREF(seq);
    return result;
}
