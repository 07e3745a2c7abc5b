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
    QComboBox,
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
from engine.images.loading import PICTURE_SUFFIXES
from engine.paths import cache_dir

THUMBNAIL = 96
_PATH_ROLE = Qt.ItemDataRole.UserRole
_BROWSE = "browse"  # the models menu's "choose a folder" entry
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
        # Which image models label: the shipped ones, or a bundle the user trained
        # (Training > Image models, or images train --out).
        self.models_folder: Path | None = None
        self.models_choice = QComboBox()
        self.models_choice.addItem("Shipped models", "")
        self.models_choice.addItem("Saved models…", _BROWSE)
        self.models_choice.setToolTip(
            "The image models that label: the shipped ones (stamps + emoji), or a folder "
            "of models you trained (Training > Image models, with an output folder)")
        self._job_models: Path | None = None
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
        buttons.addWidget(QLabel("Models:"))
        buttons.addWidget(self.models_choice)
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
        self.models_choice.activated.connect(self._on_models_choice_activated)
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

    def use_models(self, folder: Path | None) -> None:
        """Label with the bundle in ``folder`` (None: the shipped models), and label the
        pictures shown again with it."""
        folder = Path(folder) if folder is not None else None
        if folder is not None:
            self._add_models_entry(folder)
        index = self.models_choice.findData(str(folder) if folder else "")
        self.models_choice.setCurrentIndex(index)
        if folder == self.models_folder:
            return
        self.models_folder = folder
        self.results.clear()
        self._waiting = [Path(self.pictures.item(i).data(_PATH_ROLE))
                         for i in range(self.pictures.count())]
        current = self.pictures.currentItem()
        self._show(current.data(_PATH_ROLE) if current is not None else None)
        self.status_message.emit(f"Labelling with {self._models_name()}.")
        self._submit_waiting()

    def add_models(self, folder: Path) -> None:
        """Offer a freshly saved bundle in the models menu (without switching to it)."""
        self._add_models_entry(Path(folder))

    def _add_models_entry(self, folder: Path) -> None:
        if self.models_choice.findData(str(folder)) < 0:
            self.models_choice.insertItem(self.models_choice.count() - 1,
                                          f"{folder.name} (saved)", str(folder))
            self.models_choice.setItemData(self.models_choice.count() - 2, str(folder),
                                           Qt.ItemDataRole.ToolTipRole)

    def _models_name(self) -> str:
        return (f"the models in {self.models_folder}" if self.models_folder
                else "the shipped models")

    def _submit_waiting(self) -> None:
        if self._job is not None or not self._waiting:
            return
        batch, self._waiting = self._waiting, []
        self.status_message.emit(f"Labelling {len(batch):,} picture(s)…")
        self._job_models = self.models_folder
        self._job = self.client.submit(api.LabelImages(tuple(batch),
                                                       models_folder=self.models_folder))

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
        # The image-label space is the shipped WSABIE's: a picture embedded by another
        # bundle's WSABIE has no place in it.
        in_label_space = self.models_folder is None and result is not None and not result.error
        self.picture_shown.emit(result if in_label_space else None)
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

    def _on_models_choice_activated(self, index: int) -> None:
        data = self.models_choice.itemData(index)
        if data != _BROWSE:
            self.use_models(Path(data) if data else None)
            return
        path = QFileDialog.getExistingDirectory(self, "A folder of saved image models",
                                                str(self.models_folder or Path.home()))
        if not path:  # back to what was chosen
            self.models_choice.setCurrentIndex(self.models_choice.findData(
                str(self.models_folder) if self.models_folder else ""))
            return
        if not (Path(path) / "models.npz").is_file():
            self.status_message.emit(f"{path} holds no saved image models (no models.npz): "
                                     "train some in Training > Image models with an output "
                                     "folder.")
            self.models_choice.setCurrentIndex(self.models_choice.findData(
                str(self.models_folder) if self.models_folder else ""))
            return
        self.use_models(Path(path))

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
        if self._job_models != self.models_folder:  # labelled by the models left behind
            self._submit_waiting()
            return
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
            self.status_message.emit(f"Labelling with {self._models_name()} failed: "
                                     f"{one_line(message)}")
            self._submit_waiting()

    def _on_client_job_cancelled(self, job_id: int) -> None:
        if job_id == self._job:
            self._job = None
            self._submit_waiting()
