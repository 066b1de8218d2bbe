/* What _ftnative.c (the model: dictionary, prune map, matrices) and _ftpredict.c (fastText's predict) share. */
#ifndef FTNATIVE_H
#define FTNATIVE_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define LOSS_HS 1
#define LOSS_SOFTMAX 3
#define TYPE_LABEL 1

typedef struct {
    int32_t dim, nwords, size, minn, maxn, bucket, word_ngrams, loss, nlabels;
    int64_t pruned;              /* fastText's pruneidx_size_: -1 not pruned, 0 every n-gram pruned */
    char *wbytes;                /* the dictionary's words, back to back */
    int64_t *woff;               /* size + 1 offsets into wbytes */
    uint32_t *whash;
    int8_t *wtype;
    int32_t *wslot, wmask;       /* open addressing: word index or -1 */
    int32_t *sub_off, *sub_rows; /* each word's input rows: itself, then its n-grams (after pruning) */
    int32_t *pkey, *pval, pmask; /* prune map: bucket -> row among the kept n-grams */
    float *in, *out, *out_alpha; /* out_alpha NULL when the output matrix is dense */
    int32_t *left, *right;       /* hierarchical softmax tree, 2 * nlabels - 1 nodes */
} Model;

typedef struct { int32_t *v; Py_ssize_t n, cap; } Ints;

/* fastText's FNV-1a over bytes read as signed chars (its released models were trained so) */
static inline uint32_t fnv_step(uint32_t h, unsigned char c) { return (h ^ (uint32_t)(int32_t)(int8_t)c) * 16777619u; }
static inline uint32_t mix(uint32_t x) { return (x * 2654435761u) >> 7; }

uint32_t fnv(const unsigned char *s, Py_ssize_t n);
int32_t bucket_row(const Model *m, int32_t id);
int32_t find_word(const Model *m, const unsigned char *w, Py_ssize_t n, uint32_t h);
int push(Ints *a, int32_t x);
int subwords(const Model *m, const unsigned char *w, Py_ssize_t len, Ints *rows);
PyObject *ft_predict(PyObject *self, PyObject *args);  /* predict(model, texts, k) */

#endif
