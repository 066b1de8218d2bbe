/* The repetition measures of pipeline/filters/_textnative.c (the module is there; this file is part of it):
 * ROOTS's character and word n-gram repetition ratios, n-grams counted in an open-addressing table. */
#include "_textnative.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static const uint64_t MUL = 0x9E3779B97F4A7C15ULL;  /* text.py's _MUL */

static Py_ssize_t isqrt_floor(Py_ssize_t v) {
    Py_ssize_t r = (Py_ssize_t)sqrt((double)v);
    while (r > 0 && r * r > v) r--;
    while ((r + 1) * (r + 1) <= v) r++;
    return r;
}

static int cmp_desc(const void *x, const void *y) {
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a < b) - (a > b);
}

/* An open-addressing table of 64-bit keys with counts (and the first position a key was seen at). */
typedef struct {
    uint64_t *keys;
    uint32_t *counts;
    Py_ssize_t *first;
    size_t mask;
    int shift;
} Table;

static int table_init(Table *t, Py_ssize_t m, int with_first) {
    size_t cap = 16;
    int bits = 4;
    while (cap < (size_t)m * 2) { cap <<= 1; bits++; }
    t->keys = PyMem_Malloc(cap * sizeof(uint64_t));
    t->counts = PyMem_Calloc(cap, sizeof(uint32_t));
    t->first = with_first ? PyMem_Malloc(cap * sizeof(Py_ssize_t)) : NULL;
    t->mask = cap - 1;
    t->shift = 64 - bits;
    if (t->keys == NULL || t->counts == NULL || (with_first && t->first == NULL)) {
        PyMem_Free(t->keys);
        PyMem_Free(t->counts);
        PyMem_Free(t->first);
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void table_free(Table *t) {
    PyMem_Free(t->keys);
    PyMem_Free(t->counts);
    PyMem_Free(t->first);
}

/* Share of occurrences taken by the k most frequent repeated keys, k = min(isqrt(#distinct), #repeated). */
static double top_share(Table *t, Py_ssize_t total) {
    Py_ssize_t distinct = 0, nrep = 0;
    for (size_t s = 0; s <= t->mask; s++) {
        if (t->counts[s]) {
            distinct++;
            if (t->counts[s] > 1) t->counts[nrep++] = t->counts[s];  /* compacted in place: s >= nrep */
        }
    }
    Py_ssize_t k = isqrt_floor(distinct);
    if (k > nrep) k = nrep;
    if (k < nrep) qsort(t->counts, nrep, sizeof(uint32_t), cmp_desc);
    uint64_t top = 0;
    for (Py_ssize_t q = 0; q < k; q++) top += t->counts[q];
    return (double)top / (double)total;
}

PyObject *textnative_char_repetition(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "Un", &text, &n)) return NULL;
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "n must be >= 1");
        return NULL;
    }
    if (len < n) return PyFloat_FromDouble(0.0);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t m = len - n + 1;
    Table t;
    if (table_init(&t, m, 0) < 0) return NULL;
    uint64_t pw = 1, h = 0;  /* pw = MUL^(n-1); h = sum of text[i+j] * MUL^(n-1-j), as text.py's _gram_counts */
    for (Py_ssize_t j = 0; j < n - 1; j++) pw *= MUL;
    for (Py_ssize_t j = 0; j < n; j++) h = h * MUL + (uint64_t)PyUnicode_READ(kind, data, j);
    for (Py_ssize_t i = 0; i < m; i++) {
        if (i) h = (h - (uint64_t)PyUnicode_READ(kind, data, i - 1) * pw) * MUL + (uint64_t)PyUnicode_READ(kind, data, i + n - 1);
        size_t s = (size_t)((h * MUL) >> t.shift);
        while (t.counts[s] && t.keys[s] != h) s = (s + 1) & t.mask;
        t.keys[s] = h;
        t.counts[s]++;
    }
    double r = top_share(&t, m);
    table_free(&t);
    return PyFloat_FromDouble(r);
}

static int same_gram(PyObject **w, Py_ssize_t a, Py_ssize_t b, Py_ssize_t n) {
    for (Py_ssize_t j = 0; j < n; j++) {
        PyObject *x = w[a + j], *y = w[b + j];
        if (x != y && PyUnicode_Compare(x, y) != 0) return 0;
    }
    return 1;
}

PyObject *textnative_word_repetition(PyObject *self, PyObject *args) {
    PyObject *list;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "O!n", &PyList_Type, &list, &n)) return NULL;
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "n must be >= 1");
        return NULL;
    }
    Py_ssize_t len = PyList_GET_SIZE(list);
    if (len < n) return PyFloat_FromDouble(0.0);
    PyObject **w = PySequence_Fast_ITEMS(list);
    uint64_t *hw = PyMem_Malloc(sizeof(uint64_t) * len);
    if (hw == NULL) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < len; i++) {
        if (!PyUnicode_Check(w[i])) {
            PyMem_Free(hw);
            PyErr_SetString(PyExc_TypeError, "words must be str");
            return NULL;
        }
        Py_hash_t x = PyObject_Hash(w[i]);  /* cached in the str object */
        if (x == -1 && PyErr_Occurred()) {
            PyMem_Free(hw);
            return NULL;
        }
        hw[i] = (uint64_t)x;
    }
    Py_ssize_t m = len - n + 1;
    Table t;
    if (table_init(&t, m, 1) < 0) {
        PyMem_Free(hw);
        return NULL;
    }
    uint64_t repeated = 0;
    for (Py_ssize_t i = 0; i < m; i++) {
        uint64_t h = 0;
        for (Py_ssize_t j = 0; j < n; j++) h = (h ^ hw[i + j]) * MUL;
        size_t s = (size_t)((h * MUL) >> t.shift);
        /* equal hashes are checked word by word: a collision never merges two different n-grams */
        while (t.counts[s] && (t.keys[s] != h || !same_gram(w, t.first[s], i, n))) s = (s + 1) & t.mask;
        if (!t.counts[s]) {
            t.keys[s] = h;
            t.first[s] = i;
        }
        t.counts[s]++;
        if (t.counts[s] == 2) repeated += 2;
        else if (t.counts[s] > 2) repeated += 1;
    }
    table_free(&t);
    PyMem_Free(hw);
    if (PyErr_Occurred()) return NULL;
    return PyFloat_FromDouble((double)repeated / (double)m);
}

