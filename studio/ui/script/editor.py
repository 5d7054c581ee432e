"""The script as scenes and lines, each line with its state badge, voice and speed.

The tree mirrors the project: it is rebuilt only when the script's structure changes
("script" and "reloaded" events) and a single row is updated in place otherwise, so
the selection and the scroll position stay where the creator left them. Beside it,
the line inspector edits the selected line. Above the tree, Plan… asks for a plan of
the whole script: it emits `plan_requested`, which the window connects to Tools ▸ Plan…
(one dialog, opened from either place).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.ui.shell import theme
from studio.ui.voice.checks import FAILED_COLOUR, FAILED_MARK, PASSED_COLOUR, PASSED_MARK, check_mark
from studio.ui.script.inspector import LineInspector
from studio.ui.voice.control import VoiceControl

LINE_ID = Qt.ItemDataRole.UserRole + 1
STATE = Qt.ItemDataRole.UserRole + 2
PROGRESS = Qt.ItemDataRole.UserRole + 3
CHECK = Qt.ItemDataRole.UserRole + 4  # "passed", "failed" or None: the self-check of the chosen take

STATE_COLUMN, TEXT_COLUMN, VOICE_COLUMN, SPEED_COLUMN = range(4)
TREE_MIN_WIDTH = 200  # the state pill and a few words a row
# The tree shows the start of a long line; the inspector holds all of it.
TREE_TEXT_LIMIT = 280
TOOLTIP_LIMIT = 600


def shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class RowDelegate(QStyledItemDelegate):
    """Rows without the dotted focus frame: the selection already shows the current line."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        option.state &= ~QStyle.StateFlag.State_HasFocus


class LineTextDelegate(RowDelegate):
    """The line's words, wrapped to the column's width."""

    PADDING = 22  # the item's padding and the style's text margins

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        option.features |= QStyleOptionViewItem.ViewItemFeature.WrapText

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        view = self.parent()
        width = max(60, view.header().sectionSize(index.column()) - self.PADDING)
        text = index.data() or ""
        bounds = option.fontMetrics.boundingRect(QRect(0, 0, width, 1_000_000), Qt.TextFlag.TextWordWrap, text)
        return QSize(width, bounds.height() + 16)


class BadgeDelegate(RowDelegate):
    """Paints a line's state as a coloured pill; a render in flight fills it as it goes."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        state = index.data(STATE)
        if state is None:
            return super().paint(painter, option, index)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        label = theme.state_name(state)
        colour = theme.state_colour(state)
        font = QFont(opt.font)
        font.setWeight(QFont.Weight.DemiBold)
        metrics = QFontMetrics(font)
        width = metrics.horizontalAdvance(label) + 24
        height = metrics.height() + 6
        rect = QRectF(opt.rect.left() + 6, opt.rect.top() + 7, width, height)
        path = QPainterPath()
        path.addRoundedRect(rect, height / 2, height / 2)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        tint = QColor(colour)
        tint.setAlpha(34)
        painter.fillPath(path, tint)
        fraction = index.data(PROGRESS)
        if state == "rendering" and fraction:
            filled = QColor(colour)
            filled.setAlpha(70)
            painter.setClipRect(QRectF(rect.left(), rect.top(), rect.width() * float(fraction), rect.height()))
            painter.fillPath(path, filled)
            painter.setClipping(False)
        painter.setPen(QPen(colour, 1))
        painter.drawPath(path)
        painter.setFont(font)
        painter.setPen(colour.darker(115))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
        check = index.data(CHECK)
        if check:
            mark, mark_colour = (PASSED_MARK, PASSED_COLOUR) if check == "passed" else (FAILED_MARK, FAILED_COLOUR)
            painter.setPen(QColor(mark_colour))
            painter.drawText(QRectF(rect.right() + 4, rect.top(), 18, rect.height()), Qt.AlignmentFlag.AlignCenter, mark)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(max(size.width(), 112), max(size.height(), option.fontMetrics.height() + 20))


class ScriptTree(QTreeWidget):
    """Scenes as bold rows, lines beneath them. Arrow keys move from line to line."""

    edit_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setColumnCount(4)
        self.setHeaderLabels(["State", "Line", "Voice", "Speed"])
        self.setItemDelegate(RowDelegate(self))
        self.setItemDelegateForColumn(STATE_COLUMN, BadgeDelegate(self))
        self.setItemDelegateForColumn(TEXT_COLUMN, LineTextDelegate(self))
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        self.setRootIsDecorated(False)
        self.setIndentation(0)
        self.setAlternatingRowColors(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(STATE_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(TEXT_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(VOICE_COLUMN, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(SPEED_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(STATE_COLUMN, 132)
        header.resizeSection(VOICE_COLUMN, 120)
        header.resizeSection(SPEED_COLUMN, 70)
        # Wrapped rows change height with the column's width.
        header.sectionResized.connect(self._column_resized)

    def _column_resized(self, column: int, _old: int, _new: int) -> None:
        if column == TEXT_COLUMN:
            self.scheduleDelayedItemsLayout()

    # Below this width the words would wrap a few to a row: the voice and speed columns go
    # (the inspector beside the tree shows both for the selected line).
    NARROW = 620

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        narrow = self.viewport().width() < self.NARROW
        if self.isColumnHidden(VOICE_COLUMN) != narrow:
            self.setColumnHidden(VOICE_COLUMN, narrow)
            self.setColumnHidden(SPEED_COLUMN, narrow)

    def moveCursor(self, action, modifiers):
        index = super().moveCursor(action, modifiers)
        moves = {
            QAbstractItemView.CursorAction.MoveUp,
            QAbstractItemView.CursorAction.MoveDown,
            QAbstractItemView.CursorAction.MovePageUp,
            QAbstractItemView.CursorAction.MovePageDown,
            QAbstractItemView.CursorAction.MoveHome,
            QAbstractItemView.CursorAction.MoveEnd,
        }
        if action not in moves:
            return index
        # Scene rows are headings: step over them in the direction of travel.
        down = action in (
            QAbstractItemView.CursorAction.MoveDown,
            QAbstractItemView.CursorAction.MovePageDown,
            QAbstractItemView.CursorAction.MoveHome,
        )
        seen = 0
        while index.isValid() and index.siblingAtColumn(0).data(LINE_ID) is None and seen < 10_000:
            step = self.indexBelow(index) if down else self.indexAbove(index)
            if not step.isValid():
                return self.currentIndex()
            index, seen = step, seen + 1
        return index

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2) and not event.modifiers():
            self.edit_requested.emit()
            return
        super().keyPressEvent(event)


class ScriptEditor(QSplitter):
    """The script tree and, beside it, the inspector of the selected line."""

    line_selected = Signal(object)  # line id or None
    plan_requested = Signal()  # the Plan… button: the window opens Tools ▸ Plan…

    def __init__(self, voice: VoiceControl, settings, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.voice = voice
        self.project = None
        self.tree = ScriptTree()
        self.inspector = LineInspector(voice, settings)
        self.addWidget(self._script_column())
        self.addWidget(self.inspector)
        self.tree.setMinimumWidth(TREE_MIN_WIDTH)  # a narrow window squeezes the inspector too, not the words alone
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        self.setSizes([700, 540])
        self.setChildrenCollapsible(False)
        self.setHandleWidth(12)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._built: tuple = ()
        self._unsubscribe = None
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.edit_requested.connect(self.inspector.focus_text)
        voice.line_changed.connect(self.update_line)
        voice.all_lines_changed.connect(self.update_all_lines)

    def _script_column(self) -> QWidget:
        """The tree under a header: "Script" and the Plan… button."""
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        header = QHBoxLayout()
        heading = QLabel("Script")
        heading.setObjectName("heading")
        self.plan_button = QPushButton("Plan…")
        self.plan_button.setToolTip("A language model plans image prompts, pronunciations and line direction for "
                                    "the whole script; you apply what you choose (Tools ▸ Plan…, Ctrl+Shift+P)")
        self.plan_button.setEnabled(False)
        self.plan_button.clicked.connect(lambda _checked=False: self.plan_requested.emit())
        header.addWidget(heading)
        header.addStretch(1)
        header.addWidget(self.plan_button)
        layout.addLayout(header)
        layout.addWidget(self.tree, 1)
        return column

    # -- binding --------------------------------------------------------------------
    def set_project(self, project) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.project = project
        self.plan_button.setEnabled(project is not None)
        self.inspector.set_project(project)
        self.rebuild()
        if project is not None:
            self._unsubscribe = project.subscribe(self._project_changed)
            first = next(iter(self._items), None)
            if first is not None:
                self.select_line(first)

    def _project_changed(self, event: str, line_id) -> None:
        if event in ("script", "reloaded"):
            # Most script events change words, not structure: then rows update in place.
            if self._structure() != self._built:
                self.rebuild()
            elif line_id is not None:
                self.update_line(line_id)
            else:
                self.update_all_lines()
        elif event == "line" and line_id is not None:
            self.update_line(line_id)
        elif event == "line":
            self.update_all_lines()
        self.inspector.project_changed(event, line_id)

    def _structure(self) -> tuple:
        if self.project is None:
            return ()
        return tuple((s.id, s.title, tuple(line.id for line in s.lines)) for s in self.project.scenes)

    # -- the tree ---------------------------------------------------------------------
    def current_line(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, LINE_ID) if item is not None else None

    def line_at(self, pos) -> str | None:
        """The line under `pos` (a point of the tree's viewport), or None (a scene, nothing)."""
        item = self.tree.itemAt(pos)
        return item.data(0, LINE_ID) if item is not None else None

    def select_line(self, line_id: str) -> None:
        item = self._items.get(line_id)
        if item is not None:
            self.tree.setCurrentItem(item, TEXT_COLUMN)
            self.tree.scrollToItem(item)

    def line_ids(self) -> list[str]:
        return list(self._items)

    def item_for(self, line_id: str) -> QTreeWidgetItem | None:
        return self._items.get(line_id)

    def rebuild(self) -> None:
        """Build every row again; the selected line stays selected and where it was on screen."""
        selected = self.current_line()
        ids_before = self.line_ids()
        row_before = ids_before.index(selected) if selected in self._items else 0
        anchor = selected if selected in self._items else self._first_visible_line()
        anchor_y = self._row_y(anchor)
        self.tree.blockSignals(True)
        try:
            self.tree.clear()
            self._items.clear()
            if self.project is not None:
                self._fill()
            self._built = self._structure()
            if selected in self._items:
                self.tree.setCurrentItem(self._items[selected], TEXT_COLUMN)
        finally:
            self.tree.blockSignals(False)
        if anchor_y is not None and anchor in self._items:
            bar = self.tree.verticalScrollBar()
            bar.setValue(bar.value() + self._row_y(anchor) - anchor_y)
        if selected in self._items:
            self.inspector.show_line(selected)
        elif self._items:
            ids = self.line_ids()
            self.select_line(ids[min(row_before, len(ids) - 1)])
        else:
            self._current_changed(None, None)

    def _row_y(self, line_id: str | None) -> int | None:
        item = self._items.get(line_id) if line_id is not None else None
        return self.tree.visualItemRect(item).top() if item is not None else None

    def _first_visible_line(self) -> str | None:
        item = self.tree.itemAt(self.tree.viewport().rect().topLeft())
        while item is not None and item.data(0, LINE_ID) is None:
            item = self.tree.itemBelow(item)
        return item.data(0, LINE_ID) if item is not None else None

    def _fill(self) -> None:
        project = self.project
        scene_font = QFont(self.tree.font())
        scene_font.setBold(True)
        scene_font.setPointSizeF(scene_font.pointSizeF() * 1.08)
        placed: set[str] = set()
        for scene in project.scenes:
            parent = self.tree.invisibleRootItem()
            if scene.title:  # lines before the first heading stand on their own
                parent = QTreeWidgetItem([scene.title])
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                parent.setFont(0, scene_font)
                parent.setData(0, Qt.ItemDataRole.UserRole, scene.id)
                self.tree.addTopLevelItem(parent)
                parent.setFirstColumnSpanned(True)
                parent.setExpanded(True)
            for line in scene.lines:
                self._add_line(parent, line)
                placed.add(line.id)
        for line in project.lines:  # never hide a line, whatever the scene bookkeeping says
            if line.id not in placed:
                self._add_line(self.tree.invisibleRootItem(), line)

    def _add_line(self, parent: QTreeWidgetItem, line) -> None:
        item = QTreeWidgetItem()
        item.setData(0, LINE_ID, line.id)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        parent.addChild(item)
        self._items[line.id] = item
        self._show_line(item, line.id)

    def update_line(self, line_id: str) -> None:
        item = self._items.get(line_id)
        if item is None:
            if self.project is not None and any(line.id == line_id for line in self.project.lines):
                self.rebuild()
            return
        self._show_line(item, line_id)
        if line_id == self.current_line():
            self.inspector.refresh_state()

    def update_all_lines(self) -> None:
        for line_id, item in self._items.items():
            self._show_line(item, line_id)
        self.inspector.refresh_state()
        self.inspector.refresh_voices()

    def _show_line(self, item: QTreeWidgetItem, line_id: str) -> None:
        project = self.project
        line = project.line(line_id)
        state = self.voice.state(line_id)
        item.setData(STATE_COLUMN, STATE, state)
        item.setData(STATE_COLUMN, PROGRESS, self.voice.progress(line_id) if state == "rendering" else None)
        failure = project.failure(line_id) if state == "failed" else None
        check, heard = check_mark(project, line_id, state)
        item.setData(STATE_COLUMN, CHECK, check)
        item.setToolTip(STATE_COLUMN, failure or (f"{theme.state_name(state)} · {heard}" if heard else theme.state_name(state)))
        text = line.text.strip()
        item.setText(TEXT_COLUMN, shorten(text, TREE_TEXT_LIMIT) if text else "(empty line)")
        item.setToolTip(TEXT_COLUMN, shorten(text, TOOLTIP_LIMIT))
        item.setForeground(TEXT_COLUMN, QColor(theme.INK if text else theme.MUTED))
        own_voice, own_speed = project.line_voice(line_id), project.line_speed(line_id)
        voice = project.voice_of(line_id) or (self.voice.info.default_voice if self.voice.info else "default")
        item.setText(VOICE_COLUMN, voice)
        item.setForeground(VOICE_COLUMN, QColor(theme.INK if own_voice else theme.MUTED))
        item.setText(SPEED_COLUMN, f"{project.speed_of(line_id):.2f}×")
        item.setForeground(SPEED_COLUMN, QColor(theme.INK if own_speed is not None else theme.MUTED))
        item.setTextAlignment(SPEED_COLUMN, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def _current_changed(self, current, _previous) -> None:
        line_id = current.data(0, LINE_ID) if current is not None else None
        self.inspector.show_line(line_id)
        self.line_selected.emit(line_id)
