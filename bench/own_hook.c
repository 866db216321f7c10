/* Callbacks for sys.monitoring (Python 3.12+) used by bench/own_instructions.py: callgrind collects only while
 * the innermost Python frame belongs to the wanted kinds of code (ours, our SDK fast paths, or the rest).
 *
 * Compiled on demand by own_instructions.py (never built by the package, never in CI). The callbacks keep their
 * own stack of frame kinds: a Python function starting, or a generator or coroutine resumed (PY_START,
 * PY_RESUME, PY_THROW) pushes its code's kind; a return, a yield or an exception leaving the frame (PY_RETURN,
 * PY_YIELD, PY_UNWIND) pops it. A C call does not change the innermost Python frame, so a builtin called from
 * our frame counts as ours, and our callback called by SDK code is ours again. When the innermost kind enters
 * or leaves the wanted set, CALLGRIND_TOGGLE_COLLECT flips collection (per thread; the run starts with
 * --collect-atstart=no). The events seen are counted, and how many ran while collecting, so that the
 * callbacks' own cost can be taken out (own_instructions.py calibrates it). Events of other threads (the span
 * processor's worker) are ignored.
 *
 * Why not PyEval_SetProfile (3.11): with a profile function set, CPython 3.11 runs every bytecode through its
 * tracing path, unspecialised, so the hooked code costs about 1.8x its instructions; sys.monitoring only
 * instruments the function entry and exit instructions and leaves the rest specialised.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <valgrind/callgrind.h>

#if PY_VERSION_HEX < 0x030C0000
#error "own_hook needs Python 3.12+ (sys.monitoring)"
#endif

#define KIND_OURS 1
#define KIND_SDK_INTERNALS 2
#define KIND_OTHER 4
#define KIND_FOCUS 8 /* our code in the file named by set_focus() (--by-file) */
#define MAX_DEPTH 8192

static Py_ssize_t extra_index = -1;
static int wanted = 0;
static char focus[512] = "";
static intptr_t generation = 1; /* a code object's cached kind is valid for one focus */
static int collecting = 0;
static int depth = 0;
static unsigned char kinds[MAX_DEPTH];
/* events: all of them, those that ran wholly while collecting, those that flipped collection */
static unsigned long long events, events_on, flips;
static unsigned long owner; /* sys.monitoring calls back on every thread: only the measuring thread's count */

static int kind_of(PyCodeObject *code) {
    void *extra = NULL;
    if (PyUnstable_Code_GetExtra((PyObject *)code, extra_index, &extra) == 0 && extra != NULL) {
        if (((intptr_t)extra >> 4) == generation) {
            return (int)((intptr_t)extra & 15);
        }
    }
    PyErr_Clear();
    int kind = KIND_OTHER;
    const char *name = PyUnicode_AsUTF8(code->co_filename);
    if (name == NULL) {
        PyErr_Clear();
    } else if (strstr(name, "/otel_aicost/export/sdk_internals/") != NULL) {
        kind = KIND_SDK_INTERNALS;
    } else if (strstr(name, "/otel_aicost/") != NULL) {
        kind = KIND_OURS;
    }
    if (kind != KIND_OTHER && focus[0]) {
        const char *colon = strchr(focus, ':'); /* "file:qualname" (--by-function): that function only */
        if (colon == NULL) {
            if (strstr(name, focus) != NULL) {
                kind = KIND_FOCUS;
            }
        } else {
            size_t file_length = (size_t)(colon - focus), name_length = strlen(name);
            const char *qualname = PyUnicode_AsUTF8(code->co_qualname);
            if (qualname == NULL) {
                PyErr_Clear();
            } else if (name_length >= file_length && strncmp(name + name_length - file_length, focus, file_length) == 0
                       && strcmp(qualname, colon + 1) == 0) {
                kind = KIND_FOCUS;
            }
        }
    }
    if (PyUnstable_Code_SetExtra((PyObject *)code, extra_index, (void *)((generation << 4) | kind)) != 0) {
        PyErr_Clear();
    }
    return kind;
}

static inline int innermost(void) {
    return depth > 0 ? kinds[depth <= MAX_DEPTH ? depth - 1 : MAX_DEPTH - 1] : KIND_OTHER;
}

static inline void note(int was) {
    int now = (innermost() & wanted) != 0;
    events++;
    events_on += (was && now);
    flips += (was != now);
    if (now != was) {
        CALLGRIND_TOGGLE_COLLECT;
        collecting = now;
    }
}

/* PY_START, PY_RESUME, PY_THROW: (code, offset[, exception]) */
static PyObject *push(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    int was = collecting;
    if (PyThread_get_thread_ident() != owner) {
        Py_RETURN_NONE;
    }
    if (nargs < 1 || !PyCode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "push(code, offset, ...)");
        return NULL;
    }
    int kind = kind_of((PyCodeObject *)args[0]);
    if (depth < MAX_DEPTH) {
        kinds[depth] = (unsigned char)kind;
    }
    depth++;
    note(was);
    Py_RETURN_NONE;
}

/* PY_RETURN, PY_YIELD, PY_UNWIND: (code, offset, value) */
static PyObject *pop(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    int was = collecting;
    if (PyThread_get_thread_ident() != owner) {
        Py_RETURN_NONE;
    }
    if (depth > 0) {
        depth--;
    }
    note(was);
    Py_RETURN_NONE;
}

static PyObject *start(PyObject *self, PyObject *args) {
    if (!PyArg_ParseTuple(args, "i", &wanted)) {
        return NULL;
    }
    events = events_on = flips = 0;
    depth = 0;
    owner = PyThread_get_thread_ident();
    collecting = (KIND_OTHER & wanted) != 0; /* the caller's frame (the bench) is of the other kind */
    if (collecting) {
        CALLGRIND_TOGGLE_COLLECT;
    }
    Py_RETURN_NONE;
}

static PyObject *stop(PyObject *self, PyObject *unused) {
    if (collecting) {
        CALLGRIND_TOGGLE_COLLECT;
        collecting = 0;
    }
    wanted = 0;
    return Py_BuildValue("KKK", events, events_on, flips);
}

static PyObject *set_focus(PyObject *self, PyObject *args) {
    const char *name;
    if (!PyArg_ParseTuple(args, "s", &name)) {
        return NULL;
    }
    snprintf(focus, sizeof focus, "%s", name);
    generation++;
    Py_RETURN_NONE;
}

static PyObject *toggle(PyObject *self, PyObject *unused) {
    CALLGRIND_TOGGLE_COLLECT;
    Py_RETURN_NONE;
}

static PyObject *dump(PyObject *self, PyObject *args) {
    const char *label;
    if (!PyArg_ParseTuple(args, "s", &label)) {
        return NULL;
    }
    CALLGRIND_DUMP_STATS_AT(label);
    Py_RETURN_NONE;
}

static PyObject *under_valgrind(PyObject *self, PyObject *unused) {
    return PyBool_FromLong(RUNNING_ON_VALGRIND);
}

static PyMethodDef methods[] = {
    {"push", (PyCFunction)(void (*)(void))push, METH_FASTCALL, "a frame starts or resumes"},
    {"pop", (PyCFunction)(void (*)(void))pop, METH_FASTCALL, "a frame returns, yields or unwinds"},
    {"start", start, METH_VARARGS, "start(kinds): collect while the innermost Python frame is of these kinds"},
    {"stop", stop, METH_NOARGS, "stop collecting: (events, events wholly collected, events that flipped it)"},
    {"set_focus", set_focus, METH_VARARGS, "set_focus(path part[:qualname]): our code in that file (function) is FOCUS"},
    {"toggle", toggle, METH_NOARGS, "flip collection (no hook): the whole batch counted"},
    {"dump", dump, METH_VARARGS, "dump the counts so far under a label"},
    {"under_valgrind", under_valgrind, METH_NOARGS, "running under valgrind"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "own_hook", NULL, -1, methods};

PyMODINIT_FUNC PyInit_own_hook(void) {
    extra_index = PyUnstable_Eval_RequestCodeExtraIndex(NULL);
    if (extra_index < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m != NULL) {
        PyModule_AddIntConstant(m, "OURS", KIND_OURS);
        PyModule_AddIntConstant(m, "SDK_INTERNALS", KIND_SDK_INTERNALS);
        PyModule_AddIntConstant(m, "OTHER", KIND_OTHER);
        PyModule_AddIntConstant(m, "FOCUS", KIND_FOCUS);
    }
    return m;
}
