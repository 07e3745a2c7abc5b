"""The Qt desktop program: a thin client of ``engine``, which does every computation."""
import importlib.util

# Triton (which a CUDA build of torch brings, and which torch imports the first time an
# optimiser is made) carries its own LLVM. Loaded after Qt's OpenGL has brought Mesa's
# LLVM into the process, its library crashes the program (a segfault, seen training the
# audio models after a 3D view had been shown). Loaded first, both live side by side.
if importlib.util.find_spec("triton") is not None:
    try:
        import triton  # noqa: F401
    except Exception:  # a broken triton only loses the GPU kernel, never the window
        pass
