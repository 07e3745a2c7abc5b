"""``AudioPanel``: record a word (or open a sound file) and see the vocabulary ranked by
how it sounds; type a word and see which words sound like it.

Recording runs in PortAudio's own thread (``engine.audio.capture.Recorder``); opening and
closing the stream, which can take a second on a busy machine, happen on a helper thread,
so the window never waits for the sound system. A timer reads the level for the meter and
draws the take as it grows. Stop (or 4 s) ends the take; it goes to the engine
(``api.RankTake``), and the answer brings back the 2 s window the models saw and its
log-mel features, drawn as waveform and spectrogram, with the words ranked by the
classifier ("by sound") and by the letter model ("by spelling", any candidate). Clicking
a word selects it in every space on screen that has it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
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
from engine.audio.signal import AUDIO_SUFFIXES, SAMPLE_RATE

MAX_TAKE_SECONDS = 4.0
METER_FLOOR_DB = -60


class AudioPanel(QWidget):
    status_message = Signal(str)
    ranked = Signal(object)  # the TakeRanking shown
    # from the helper threads that open and close the microphone
    _recording_started = Signal(object)  # a Recorder, or an error message
    _recording_stopped = Signal(object)  # the take's samples at 16 kHz

    def __init__(self, selection: SharedSelection, client: EngineClient,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection = selection
        self.client = client
        self.models_folder: Path | None = None  # None: the shipped audio models
        self._recorder = None
        self._opening = False
        self._rank_job: int | None = None
        self._sounds_job: int | None = None
        self.shown = None  # the TakeRanking shown
        self.setAcceptDrops(True)

        self.record_button = QPushButton("● Record")
        self.record_button.setToolTip("Record one word from the microphone (Stop, or "
                                      f"{MAX_TAKE_SECONDS:.0f} s, ends the take)")
        self.open_button = QPushButton("Open sound file…")
        self.play_button = QPushButton("▶ Play")
        self.play_button.setEnabled(False)
        self.meter = QProgressBar()
        self.meter.setRange(METER_FLOOR_DB, 0)
        self.meter.setValue(METER_FLOOR_DB)
        self.meter.setFormat("%v dB")
        self.meter.setToolTip("Input level (dBFS) while recording")
        self.meter.setMaximumWidth(160)
        self.hint = QLabel("Click Record and say one word, or open or drop a WAV, FLAC or "
                           "OGG file.")
        self.hint.setWordWrap(True)
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #a60")

        self.waveform = pg.PlotWidget()
        self.waveform.setBackground("w")
        self.waveform.setMouseEnabled(False, False)
        self.waveform.setYRange(-1, 1)
        self.waveform.setXRange(0, 2, padding=0.02)  # the 2 s window, before any take
        self.waveform.getPlotItem().setLabel("bottom", "seconds")
        self.waveform.setMaximumHeight(150)
        self.wave_curve = self.waveform.plot(pen=pg.mkPen("#3465a4", width=1))
        self.spectrogram = pg.PlotWidget()
        self.spectrogram.setMouseEnabled(False, False)
        self.spectrogram.getPlotItem().setLabel("bottom", "seconds")
        self.spectrogram.getPlotItem().setLabel("left", "mel band")
        self.spectrogram.setMaximumHeight(170)
        self.spectrogram_image = pg.ImageItem()
        self.spectrogram_image.setColorMap(pg.colormap.get("viridis"))
        self.spectrogram.addItem(self.spectrogram_image)
        self.spectrogram.setXRange(0, 2, padding=0.02)
        self.spectrogram.setYRange(0, 40, padding=0.02)

        self.by_sound = ranked_list(("word", "probability"))
        self.by_sound.setToolTip("The acoustic model's classes: the words it heard in "
                                 "training. Click one to select it in every space.")
        self.by_spelling = ranked_list(("word", "cosine"))
        self.by_spelling.setToolTip("Every candidate, heard in training or not, scored "
                                    "through its spelling (letter n-grams). Click one to "
                                    "select it in every space.")
        self.word_box = QLineEdit()
        self.word_box.setPlaceholderText("Type any word: which words sound like it?")
        self.sounds_like = ranked_list(("sounds like", "cosine"))

        top = QHBoxLayout()
        top.addWidget(self.record_button)
        top.addWidget(self.meter)
        top.addWidget(self.play_button)
        top.addWidget(self.open_button)
        top.addStretch(1)
        lists = QGridLayout()
        for column, (title, tree) in enumerate((("By sound", self.by_sound),
                                                ("By spelling", self.by_spelling),
                                                ("Sounds like…", self.sounds_like))):
            label = QLabel(title)
            label.setStyleSheet("font-weight: bold")
            lists.addWidget(label, 0, column)
            lists.addWidget(tree, 2, column)
            tree.itemClicked.connect(self._on_words_item_clicked)
        lists.addWidget(self.word_box, 1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.hint)
        layout.addWidget(self.waveform)
        layout.addWidget(self.spectrogram)
        layout.addWidget(self.notes)
        layout.addLayout(lists, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(40)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.record_button.clicked.connect(self._on_record_button_clicked)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.play_button.clicked.connect(self._on_play_button_clicked)
        self.word_box.returnPressed.connect(self._on_word_box_return_pressed)
        self._recording_started.connect(self._on_self_recording_started)
        self._recording_stopped.connect(self._on_self_recording_stopped)
        client.job_finished.connect(self._on_client_job_finished)
        client.job_failed.connect(self._on_client_job_failed)

    # ---- API -------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        return self._recorder is not None

    def start_recording(self) -> None:
        if self._recorder is not None or self._opening:
            return
        from engine.audio.capture import Recorder

        self._opening = True
        self.record_button.setEnabled(False)
        self.status_message.emit("Opening the microphone…")
        recorder = Recorder()

        def open_stream():
            try:
                recorder.start()
            except Exception as e:  # noqa: BLE001 - EngineError, or PortAudio's own
                self._recording_started.emit(one_line(str(e)))
                return
            self._recording_started.emit(recorder)

        threading.Thread(target=open_stream, name="open-microphone", daemon=True).start()

    def stop_recording(self) -> None:
        recorder, self._recorder = self._recorder, None
        self.timer.stop()
        self.meter.setValue(METER_FLOOR_DB)
        self.record_button.setText("● Record")
        if recorder is None:
            return
        self.record_button.setEnabled(False)
        threading.Thread(target=lambda: self._recording_stopped.emit(recorder.stop()),
                         name="close-microphone", daemon=True).start()

    def rank_samples(self, samples: np.ndarray, rate: int = SAMPLE_RATE) -> None:
        self.status_message.emit("Ranking the take…")
        self._rank_job = self.client.submit(api.RankTake(samples, rate, k=15,
                                                         models=self.models_folder))

    def rank_file(self, path: Path | str) -> None:
        self.status_message.emit(f"Ranking {Path(path).name}…")
        self._rank_job = self.client.submit(api.RankAudio((Path(path),), k=15,
                                                          models=self.models_folder))

    def find_sounds_like(self, word: str) -> None:
        word = word.strip()
        if word:
            self._sounds_job = self.client.submit(api.SoundsLike(word, k=15,
                                                                 models=self.models_folder))

    def shown_words(self, tree: str = "by_sound") -> list[str]:
        """The words a list shows now (for tests)."""
        widget: QTreeWidget = getattr(self, tree)
        return [widget.topLevelItem(i).text(0) for i in range(widget.topLevelItemCount())]

    # ---- drawing ---------------------------------------------------------------------
    def _draw_wave(self, samples: np.ndarray) -> None:
        step = max(1, len(samples) // 4000)  # enough points for the plot's width
        shown = samples[::step]
        self.wave_curve.setData(np.arange(len(shown)) * step / SAMPLE_RATE, shown)

    def _show(self, ranking) -> None:
        self.shown = ranking
        for tree in (self.by_sound, self.by_spelling):
            tree.clear()
        self.notes.setText("")
        if ranking.error:
            self.notes.setText(one_line(ranking.error))
            self.status_message.emit(one_line(ranking.error))
            return
        if ranking.window is not None:
            self._draw_wave(ranking.window)
            self._window = ranking.window
            self.play_button.setEnabled(True)
        if ranking.features is not None:
            features = np.asarray(ranking.features)
            self.spectrogram_image.setImage(features.T, levels=(-1, 1))
            self.spectrogram_image.setRect(0, 0, features.shape[1] / 100, features.shape[0])
        self.notes.setText(" ".join(ranking.notes))
        for tree, items in ((self.by_sound, ranking.classifier),
                            (self.by_spelling, ranking.letters)):
            tree.addTopLevelItems([_row(s.word, s.score) for s in items])
        best = ranking.classifier[0].word if ranking.classifier else "?"
        self.status_message.emit(f"Heard “{best}” ({ranking.milliseconds:.0f} ms).")
        self.ranked.emit(ranking)

    # ---- drag and drop ---------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.rank_file(paths[0])
        event.acceptProposedAction()

    # ---- slots -----------------------------------------------------------------------
    def _on_record_button_clicked(self) -> None:
        if self._recorder is None:
            self.start_recording()
        else:
            self.stop_recording()

    def _on_self_recording_started(self, recorder: Any) -> None:
        self._opening = False
        self.record_button.setEnabled(True)
        if isinstance(recorder, str):
            self.notes.setText(recorder)
            self.status_message.emit(recorder)
            return
        self._recorder = recorder
        self.record_button.setText("■ Stop")
        self.status_message.emit("Recording: say one word.")
        self.timer.start()

    def _on_timer_timeout(self) -> None:
        recorder = self._recorder
        if recorder is None:
            return
        self.meter.setValue(int(max(METER_FLOOR_DB, min(0, recorder.level_dbfs))))
        self._draw_wave(recorder.samples())
        if recorder.seconds >= MAX_TAKE_SECONDS:
            self.stop_recording()

    def _on_self_recording_stopped(self, samples: np.ndarray) -> None:
        self.record_button.setEnabled(True)
        self._draw_wave(samples)
        self.rank_samples(samples)

    def _on_open_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a sound file of one word", str(Path.home()),
            "Sound files (" + " ".join(f"*{s}" for s in AUDIO_SUFFIXES) + ");;All files (*)")
        if path:
            self.rank_file(path)

    def _on_play_button_clicked(self) -> None:
        window = getattr(self, "_window", None)
        if window is None:
            return
        try:
            import sounddevice

            sounddevice.play(window, SAMPLE_RATE)
        except Exception as e:  # noqa: BLE001 - no output device, no PortAudio
            self.status_message.emit(f"Cannot play the take: {e}")

    def _on_word_box_return_pressed(self) -> None:
        self.find_sounds_like(self.word_box.text())

    def _on_words_item_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        word = item.text(0).strip()
        if word:
            found = self.selection.select(word)
            if found:
                self.status_message.emit(f"“{word}” selected in {' and '.join(found)}.")

    def _on_client_job_finished(self, job_id: int, result: Any) -> None:
        if job_id == self._rank_job:
            self._rank_job = None
            self._show(result[0] if isinstance(result, tuple) else result)
        elif job_id == self._sounds_job:
            self._sounds_job = None
            self.sounds_like.clear()
            self.sounds_like.addTopLevelItems([_row(s.word, s.score) for s in result])

    def _on_client_job_failed(self, job_id: int, message: str) -> None:
        if job_id in (self._rank_job, self._sounds_job):
            if job_id == self._rank_job:
                self._rank_job = None
            else:
                self._sounds_job = None
            self.notes.setText(one_line(message))
            self.status_message.emit(one_line(message))


def _row(word: str, score: float) -> QTreeWidgetItem:
    row = QTreeWidgetItem([word, f"{score:.3f}"])
    row.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return row
