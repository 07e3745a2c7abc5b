"""Saving, loading, importing and exporting embedding spaces.

The native format is a folder of three files:

* ``vectors.npy``: the N x D matrix, float32 (or float16 to halve what is shipped);
* ``keys.tsv``: a header row ``key<TAB>column...`` and one row per key;
* ``manifest.json``: format version, kind, shape, dtype, metadata column types, the
  space's ``info`` and the sha256 of the two other files.

Interop covers word2vec text and binary, GloVe, fastText ``.vec`` and the TensorFlow
Embedding Projector TSV pair, plus CSV exports of neighbour lists and 2-D/3-D
coordinates.

Every writer goes through a temporary file or folder that is renamed into place, so a
crash or a full disk never leaves a half-written file under the real name. Every reader
either returns a complete space or raises an :class:`EngineError` naming the file and
the line.

One module per concern; import from ``engine.storage`` itself:

* ``atomic``: atomic file and folder writes, file sha256;
* ``native``: the native folder format (``save_space``, ``load_space``);
* ``word_text``: word2vec text, GloVe and fastText ``.vec``;
* ``word2vec_binary``: word2vec binary;
* ``projector``: the TensorFlow Embedding Projector TSV pair;
* ``formats``: format names, ``detect_format``, ``import_vectors``, ``export_vectors``;
* ``tables``: CSV neighbour lists and coordinates;
* ``_common`` and ``_text``: private helpers the others share.
"""

from __future__ import annotations

from engine.storage._common import FORMATS, Format, PathLike
from engine.storage.atomic import atomic_write_bytes, atomic_write_text, atomic_writer, file_sha256
from engine.storage.formats import detect_format, export_vectors, import_vectors
from engine.storage.native import (
    KEYS_FILE,
    MANIFEST_FILE,
    NATIVE_FORMAT,
    NATIVE_VERSION,
    VECTORS_FILE,
    load_space,
    save_space,
)
from engine.storage.projector import export_tf_projector, import_tf_projector
from engine.storage.tables import (
    export_coordinates_csv,
    export_neighbours_csv,
    load_coordinates_csv,
)
from engine.storage.word2vec_binary import export_word2vec_binary, import_word2vec_binary
from engine.storage.word_text import (
    export_fasttext_vec,
    export_glove,
    export_word2vec_text,
    import_fasttext_vec,
    import_glove,
    import_word2vec_text,
)

__all__ = [
    "FORMATS",
    "KEYS_FILE",
    "MANIFEST_FILE",
    "NATIVE_FORMAT",
    "NATIVE_VERSION",
    "VECTORS_FILE",
    "Format",
    "PathLike",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_writer",
    "detect_format",
    "export_coordinates_csv",
    "export_fasttext_vec",
    "export_glove",
    "export_neighbours_csv",
    "export_tf_projector",
    "export_vectors",
    "export_word2vec_binary",
    "export_word2vec_text",
    "file_sha256",
    "import_fasttext_vec",
    "import_glove",
    "import_tf_projector",
    "import_vectors",
    "import_word2vec_binary",
    "import_word2vec_text",
    "load_coordinates_csv",
    "load_space",
    "save_space",
]
