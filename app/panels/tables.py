"""The ranked lists the panels share: a flat ``QTreeWidget`` whose first column stretches
and whose other columns (scores, counts) fit their contents."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QTreeWidget


def ranked_list(headers: tuple[str, ...] = ("word", "score"),
                alternating: bool = True) -> QTreeWidget:
    tree = QTreeWidget()
    tree.setColumnCount(len(headers))
    tree.setHeaderLabels(list(headers))
    tree.setRootIsDecorated(False)
    tree.setUniformRowHeights(True)
    tree.setAlternatingRowColors(alternating)
    header = tree.header()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, len(headers)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(False)
    return tree
