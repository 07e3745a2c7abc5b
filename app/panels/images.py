"""``ImagesPanel``: drop pictures on it (or open or paste them) and see their ranked
labels from each image model, side by side.

Every picture goes to the engine (``api.LabelImages``, on its analysis lane); the panel
shows a thumbnail per picture and, for the one selected, each model's labels with their
scores. A picture the engine cannot read shows its message in place of labels; the others
are unaffected. Clicking a label selects that key in every space on screen that has it
(the word space, the image-label space: ``app/selection_link.py``) and says where it is
missing. The picture shown is announced (``picture_shown``) so the image-label space can
draw it among its labels.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QGuiApplication,
    QIcon,
    QImage,
    QImageReader,
    QKeySequence,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.engine_client import EngineClient
from app.panels.tables import ranked_list
from app.panels.words import one_line
from app.selection_link import SharedSelection
from engine import api
from engine.paths import cache_dir

PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff",
                    ".svg", ".svgz")
THUMBNAIL = 96
_PATH_ROLE = Qt.ItemDataRole.UserRole
MODEL_TITLES = {
    "classifier": "Classifier (our labels)",
    "wsabie": "WSABIE (WARP)",
    "conse": "ConSE (T = 10, any noun)",
    "devise": "DeViSE (any noun)",
    "imagenet": "ImageNet classes",
}


def pictures_in(paths: list[Path]) -> list[Path]:
    """The picture files among ``paths``, a folder standing for the pictures in it."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in PICTURE_SUFFIXES)
        else:
            found.append(path)
    return found


class ImagesPanel(QWidget):
    """A drop zone, the pictures as thumbnails, and the selected one's labels."""

    status_message = Signal(str)
    labelled = Signal(object)  # the tuple of PictureLabels just shown
    picture_shown = Signal(object)  # the PictureLabels of the picture shown, or None

    def __init__(self, selection: SharedSelection, client: EngineClient,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self.client = client
        self._job: int | None = None
        # A newer request of the same type would cancel a running one in the engine, so
        # pictures dropped while a batch is labelled wait here for it to end.
        self._waiting: list[Path] = []
        self.results: dict[str, Any] = {}  # path -> PictureLabels
        self._prepared = False
        self.setAcceptDrops(True)

        self.drop_hint = QLabel("Drop pictures or a folder here, paste one (Ctrl+V), or "
                                "open them. Each is labelled by every image model.")
        self.drop_hint.setWordWrap(True)
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setStyleSheet("border: 2px dashed #999; padding: 18px; color: #555")
        self.open_button = QPushButton("Open pictures…")
        self.paste_button = QPushButton("Paste")
        self.pictures = QListWidget()
        self.pictures.setViewMode(QListWidget.ViewMode.IconMode)
        self.pictures.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.pictures.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.pictures.setWordWrap(True)
        self.pictures.setMinimumWidth(240)
        self.title = QLabel("")
        self.title.setWordWrap(True)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #a00")
        # One ranked list per model, side by side (two rows of up to three).
        self.model_lists: dict[str, QTreeWidget] = {}
        self.model_titles: dict[str, QLabel] = {}
        grid = QGridLayout()
        for i, (model, title) in enumerate(MODEL_TITLES.items()):
            label = QLabel(title)
            label.setStyleSheet("font-weight: bold")
            tree = ranked_list(("label", "score"), alternating=True)
            tree.setToolTip("Click a label to select it in the word and image-label spaces")
            tree.itemClicked.connect(self._on_labels_item_clicked)
            grid.addWidget(label, 2 * (i // 3), i % 3)
            grid.addWidget(tree, 2 * (i // 3) + 1, i % 3)
            self.model_lists[model] = tree
            self.model_titles[model] = label

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.drop_hint)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.paste_button)
        buttons.addStretch(1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.pictures, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.title)
        right_layout.addWidget(self.error)
        right_layout.addLayout(grid, 1)
        # Pictures above their labels: the panel shares its tab with the image-label
        # space's views, so it is tall rather than wide.
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([300, 600])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.paste_button.clicked.connect(self.paste)
        paste = QAction("Paste a picture", self)
        paste.setShortcut(QKeySequence.StandardKey.Paste)
        paste.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        paste.triggered.connect(self.paste)
        self.addAction(paste)
        self.pictures.currentItemChanged.connect(self._on_pictures_current_item_changed)
        client.job_progress.connect(self._on_client_job_progress)
        client.job_finished.connect(self._on_client_job_finished)
        client.job_failed.connect(self._on_client_job_failed)
        client.job_cancelled.connect(self._on_client_job_cancelled)

    # ---- API -------------------------------------------------------------------------
    def label(self, paths: list[Path | str]) -> None:
        """Add ``paths`` (files or folders) and have every model label them."""
        pictures = pictures_in([Path(p) for p in paths])
        if not pictures:
            self.status_message.emit("No pictures there: drop PNG, JPEG, GIF, WebP, SVG "
                                     "files or a folder of them.")
            return
        for path in pictures:
            self._add_thumbnail(path)
        self._waiting += pictures
        self._submit_waiting()

    def _submit_waiting(self) -> None:
        if self._job is not None or not self._waiting:
            return
        batch, self._waiting = self._waiting, []
        self.status_message.emit(f"Labelling {len(batch):,} picture(s)…")
        self._job = self.client.submit(api.LabelImages(tuple(batch)))

    def paste(self) -> None:
        """The clipboard's picture, saved under the cache, then labelled."""
        image = QGuiApplication.clipboard().image()
        if image.isNull():
            self.status_message.emit("The clipboard holds no picture.")
            return
        path = cache_dir("images", "pasted") / f"pasted-{uuid.uuid4().hex[:8]}.png"
        if not image.save(str(path)):
            self.status_message.emit(f"Could not save the pasted picture to {path}.")
            return
        self.label([path])

    def shown_labels(self, model: str = "imagenet") -> list[tuple[str, str]]:
        """(label, score) rows ``model``'s list shows now, for tests."""
        tree = self.model_lists[model]
        return [(tree.topLevelItem(i).text(0), tree.topLevelItem(i).text(1))
                for i in range(tree.topLevelItemCount())]

    # ---- helpers -------------------------------------------------------------------------
    def _add_thumbnail(self, path: Path) -> None:
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid() and max(size.width(), size.height()) > 4 * THUMBNAIL:
            reader.setScaledSize(size.scaled(2 * THUMBNAIL, 2 * THUMBNAIL,
                                             Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        icon = QIcon(QPixmap.fromImage(image)) if not image.isNull() else QIcon()
        item = QListWidgetItem(icon, path.name)
        item.setData(_PATH_ROLE, str(path))
        item.setToolTip(str(path))
        item.setSizeHint(QSize(THUMBNAIL + 24, THUMBNAIL + 36))
        self.pictures.addItem(item)

    def _show(self, path: str | None) -> None:
        for tree in self.model_lists.values():
            tree.clear()
        result = self.results.get(path) if path else None
        self.title.setText(Path(path).name if path else "")
        self.error.setText("")
        if path is not None and result is None:
            self.error.setText("Labelling…")
        self.picture_shown.emit(result if result is not None and not result.error else None)
        if result is None:
            return
        if result.error:
            self.error.setText(f"Could not read this picture: {one_line(result.error)}")
            return
        for model, tree in self.model_lists.items():
            labels = result.by_model.get(model)
            self.model_titles[model].setEnabled(labels is not None)
            if labels is None:
                tree.addTopLevelItem(QTreeWidgetItem(["(not shipped)", ""]))
                continue
            rows = []
            for scored in labels:
                row = QTreeWidgetItem([scored.label, f"{scored.score:.3f}"])
                row.setTextAlignment(1, Qt.AlignmentFlag.AlignRight
                                     | Qt.AlignmentFlag.AlignVCenter)
                rows.append(row)
            tree.addTopLevelItems(rows)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # Importing torch and loading the weights holds the GIL for up to ~0.4 s (measured
        # on 2 cores): pay it when the tab is first opened, not when a picture is dropped,
        # and never for someone who does not open it.
        super().showEvent(event)
        if not self._prepared and self.client.is_running:
            self._prepared = True
            self.client.submit(api.PrepareImageEncoder())

    # ---- drag and drop -------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        data = event.mimeData()
        paths = [Path(url.toLocalFile()) for url in data.urls() if url.isLocalFile()]
        if paths:
            self.label(paths)
        elif data.hasImage():
            image = QImage(data.imageData())
            path = cache_dir("images", "pasted") / f"dropped-{uuid.uuid4().hex[:8]}.png"
            if image.save(str(path)):
                self.label([path])
        event.acceptProposedAction()

    # ---- slots -----------------------------------------------------------------------------
    def _on_open_button_clicked(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "Open pictures", str(Path.home()),
            "Pictures (" + " ".join(f"*{s}" for s in PICTURE_SUFFIXES) + ");;All files (*)")
        if files:
            self.label(files)

    def _on_pictures_current_item_changed(self, item, _previous) -> None:
        self._show(item.data(_PATH_ROLE) if item is not None else None)

    def _on_labels_item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        label = item.text(0).strip()
        if not label:
            return
        # A many-word ImageNet class ("zebra crossing") stands for its last word when no
        # space has the whole of it.
        key = label if any(s.resolve(label) for s in self.selection.spaces.values()) \
            else label.split()[-1]
        found = self.selection.select(key)
        if found:
            missing = [t for t in self.selection.spaces if t not in found]
            self.status_message.emit(
                f"“{key}” selected in {' and '.join(found)}"
                + (f"; {' and '.join(missing)} has no “{key}”" if missing else "") + ".")
        else:
            self.status_message.emit(f"“{label}” is not in the word space or the "
                                     "image-label space.")

    def _on_client_job_progress(self, job_id: int, progress: Any) -> None:
        if job_id == self._job:
            self.status_message.emit(progress.message)

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id != self._job:
            return
        self._job = None
        for entry in result:
            self.results[str(entry.path)] = entry
        failed = sum(1 for entry in result if entry.error)
        self.status_message.emit(f"Labelled {len(result) - failed:,} picture(s)"
                                 + (f"; {failed} could not be read" if failed else "") + ".")
        current = self.pictures.currentItem()
        if current is None and self.pictures.count():
            self.pictures.setCurrentRow(self.pictures.count() - len(result))
        else:
            self._show(current.data(_PATH_ROLE) if current is not None else None)
        self.labelled.emit(result)
        self._submit_waiting()

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id == self._job:
            self._job = None
            self.status_message.emit(f"Labelling failed: {one_line(message)}")
            self._submit_waiting()

    def _on_client_job_cancelled(self, job_id: int) -> None:
        if job_id == self._job:
            self._job = None
            self._submit_waiting()
