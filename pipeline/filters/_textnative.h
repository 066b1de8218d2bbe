/* What pipeline/filters/_textcounts.c gives the module defined in _textnative.c. */
#ifndef TEXTNATIVE_H
#define TEXTNATIVE_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyObject *textnative_char_repetition(PyObject *self, PyObject *args);  /* char_repetition(text, n) */
PyObject *textnative_word_repetition(PyObject *self, PyObject *args);  /* word_repetition(words, n) */

#endif
