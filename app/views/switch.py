"""``ScatterSwitch``: the 2D and 3D views of one ``AppState`` behind a 2D/3D toggle.

The page shown always matches the state's coordinates (N x 2: the 2D view, N x 3: the
3D view), so both views share the selection, highlight and hover by construction.
Pressing the other button only *asks* for a layout with that many axes
(``dims_requested``); whoever owns projections answers by changing the state, and
``sync`` puts the buttons back if the request fails or is cancelled.

Under the toggle sit the colouring and selection bars (``app/panels/appearance.py``),
when the switch is given an engine client to run clusterings and neighbourhoods on.

The 3D view is created on first use: it needs OpenGL, which Qt's offscreen platform
(used by GUI tests without a display) does not have.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.engine_client import EngineClient
from app.panels.appearance import AppearanceBar, SelectionBar
from app.state import AppState
from app.views.scatter2d import Scatter2DView


class ScatterSwitch(QWidget):
    dims_requested = Signal(int)  # 2 or 3: the user asked for a layout with that many axes
    status_message = Signal(str)  # from the colouring and selection bars

    def __init__(self, state: AppState, client: EngineClient | None = None,
                 parent: QWidget | None = None, what: str = "words",
                 compact: bool = False) -> None:
        super().__init__(parent)
        self.state = state
        self.what = what  # what the points are, in the hint ("words", "labels")
        # Compact: the colouring and selection bars on two rows, for a view that shares
        # its tab with a panel beside it (the image-label space).
        self.compact = compact
        self.view2d = Scatter2DView(state)
        self.view3d = None  # app.views.scatter3d.Scatter3DView, once needed
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view2d)

        self.button2d = QToolButton()
        self.button2d.setText("2D")
        self.button3d = QToolButton()
        self.button3d.setText("3D")
        self.buttons = QButtonGroup(self)
        self.buttons.setExclusive(True)
        for dims, button in ((2, self.button2d), (3, self.button3d)):
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setToolTip(f"Show a {dims}-D layout (asks the engine for one if needed)")
            self.buttons.addButton(button, dims)
        self.button2d.setChecked(True)
        self.hint = QLabel()
        self.hint.setStyleSheet("color: gray")

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        bar.addWidget(self.button2d)
        bar.addWidget(self.button3d)
        bar.addSpacing(8)
        bar.addWidget(self.hint, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        self.appearance_bar: AppearanceBar | None = None
        self.selection_bar: SelectionBar | None = None
        if client is not None:
            self._add_appearance_bars(client, layout)
        layout.addWidget(self.stack, 1)

        self.buttons.idClicked.connect(self._on_buttons_id_clicked)
        state.projection_changed.connect(self._on_state_projection_changed)

    # ---- API -------------------------------------------------------------------------
    @property
    def current_view(self) -> QWidget:
        return self.stack.currentWidget()

    def show_dims(self, dims: int) -> None:
        """Switch to ``dims`` axes, as the toggle does."""
        if dims == self.state.dims and len(self.state.coords):
            self.sync()
        else:
            (self.button3d if dims == 3 else self.button2d).setChecked(True)
            self.dims_requested.emit(dims)

    def sync(self) -> None:
        """Show the page and check the button that match the state's coordinates."""
        dims = self.state.dims
        if dims == 3:
            self.stack.setCurrentWidget(self._ensure_view3d())
        else:
            self.stack.setCurrentWidget(self.view2d)
        self.buttons.button(dims).setChecked(True)
        if self.selection_bar is not None:  # boxes and lassos are drawn in the 2D view
            self.selection_bar.set_tools_available(dims == 2)
        params = self.state.projection_params
        if not len(self.state.coords):
            self.hint.setText("")
        elif params is None:
            made_by = self.state.projection_made_by or "coordinates from a file"
            self.hint.setText(f"{len(self.state.keys):,} {self.what}, {made_by}")
        else:
            method = {"pca": "PCA", "umap": "UMAP", "tsne": "t-SNE"}[params.method]
            seed = "" if params.method == "pca" else f", seed {params.seed}"
            if params.fit_limit is not None:  # say that most words were placed, not fitted
                seed += (f"; fitted on the {params.fit_limit:,} most frequent, the other "
                         f"{len(self.state.keys) - params.fit_limit:,} placed by their "
                         "nearest")
            self.hint.setText(f"{len(self.state.keys):,} {self.what}, {method} {dims}-D{seed}"
                              + ("   drag: orbit · wheel: zoom · Ctrl+drag: pan"
                                 if dims == 3 else ""))

    def _add_appearance_bars(self, client: EngineClient, layout: QVBoxLayout) -> None:
        self.appearance_bar = AppearanceBar(self.state, client)
        self.selection_bar = SelectionBar(self.state, client)
        tools = QHBoxLayout()
        tools.setContentsMargins(4, 0, 4, 2)
        tools.addWidget(self.appearance_bar)
        if self.compact:
            tools.addStretch(1)
            layout.addLayout(tools)
            tools = QHBoxLayout()
            tools.setContentsMargins(4, 0, 4, 2)
        else:
            tools.addSpacing(16)
        tools.addWidget(self.selection_bar)
        tools.addStretch(1)
        layout.addLayout(tools)
        layout.addWidget(self.appearance_bar.legend)
        self.appearance_bar.status_message.connect(self.status_message)
        self.selection_bar.status_message.connect(self.status_message)
        self.selection_bar.tool_changed.connect(self.view2d.set_tool)

    def _ensure_view3d(self) -> QWidget:
        if self.view3d is None:
            from app.views.scatter3d import Scatter3DView

            self.view3d = Scatter3DView(self.state)
            self.stack.addWidget(self.view3d)
        return self.view3d

    # ---- slots -----------------------------------------------------------------------
    def _on_buttons_id_clicked(self, dims: int) -> None:
        self.show_dims(dims)

    def _on_state_projection_changed(self) -> None:
        self.sync()
