"""The campaign file editor: YAML text with line numbers, checked as you type (the campaign
loader's own checks, a moment after the last key), every refusal marked at its line and listed
under the text; a click on a refusal puts the cursor on its line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PyQt5 import QtCore, QtGui, QtWidgets

from labmem.campaigns.spec import Campaign, CampaignError

CHECK_DELAY_MS = 400
"""Quiet time after the last key before the text is checked again."""
REFUSAL_COLOUR = QtGui.QColor(176, 0, 0)
LINE_COLOUR = QtGui.QColor(255, 228, 228)


@dataclass(frozen=True)
class Refusal:
    """One refusal of the campaign loader: its line (None when it names none) and message."""

    line: int | None
    message: str

    def text(self) -> str:
        """As the list shows it, e.g. "line 7: Compliance (compliance_a) = 5 is not…"."""
        return f"line {self.line}: {self.message}" if self.line else self.message


def refusal(message: str, source: str) -> Refusal:
    """Split the loader's "SOURCE, line N: message" into line and message."""
    found = re.match(rf"{re.escape(source)}, line (\d+): (.*)", message, re.S)
    return Refusal(int(found[1]), found[2]) if found else Refusal(None, message)


class LineNumbers(QtWidgets.QWidget):
    """The gutter of a CodeEditor: line numbers, refused lines in red."""

    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt's name)
        return QtCore.QSize(self.editor.gutter_width(), 0)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        self.editor.paint_gutter(event)


class CodeEditor(QtWidgets.QPlainTextEdit):
    """Plain text with a line-number gutter and marked (refused) lines, as Qt's code-editor
    example."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.FixedFont))
        self.setLineWrapMode(QtWidgets.QPlainTextEdit.NoWrap)
        self.setTabChangesFocus(False)
        self.gutter = LineNumbers(self)
        self.marked: dict[int, str] = {}
        """Refused lines (1-based) and their messages."""
        self.blockCountChanged.connect(lambda _: self.setViewportMargins(
            self.gutter_width(), 0, 0, 0))
        self.updateRequest.connect(self._scroll_gutter)
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 14 + self.fontMetrics().horizontalAdvance("9") * max(2, digits)

    def _scroll_gutter(self, rect: QtCore.QRect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        rect = self.contentsRect()
        self.gutter.setGeometry(rect.left(), rect.top(), self.gutter_width(), rect.height())

    def paint_gutter(self, event: QtGui.QPaintEvent) -> None:
        """Line numbers of the visible lines; a refused line's number red and bold."""
        painter = QtGui.QPainter(self.gutter)
        painter.fillRect(event.rect(), QtGui.QColor(240, 240, 240))
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        bold = QtGui.QFont(self.font())
        bold.setBold(True)
        while block.isValid() and top <= event.rect().bottom():
            line = block.blockNumber() + 1
            if block.isVisible():
                refused = line in self.marked
                painter.setFont(bold if refused else self.font())
                painter.setPen(REFUSAL_COLOUR if refused else QtGui.QColor(130, 130, 130))
                painter.drawText(0, top, self.gutter.width() - 6, height, QtCore.Qt.AlignRight,
                                 ("● " if refused else "") + str(line))
            top += round(self.blockBoundingRect(block).height())
            block = block.next()

    def mark(self, lines: dict[int, str]) -> None:
        """Shade and underline the refused lines (1-based, with their messages)."""
        self.marked = lines
        selections = []
        for line in lines:
            block = self.document().findBlockByNumber(line - 1)
            if not block.isValid():
                continue
            selection = QtWidgets.QTextEdit.ExtraSelection()
            selection.format.setBackground(LINE_COLOUR)
            selection.format.setProperty(QtGui.QTextFormat.FullWidthSelection, True)
            selection.format.setUnderlineStyle(QtGui.QTextCharFormat.WaveUnderline)
            selection.format.setUnderlineColor(REFUSAL_COLOUR)
            selection.cursor = QtGui.QTextCursor(block)
            selection.cursor.movePosition(QtGui.QTextCursor.EndOfBlock,
                                          QtGui.QTextCursor.KeepAnchor)
            selections.append(selection)
        self.setExtraSelections(selections)
        self.gutter.update()

    def go_to_line(self, line: int) -> None:
        """Put the cursor at the start of line (1-based) and show it."""
        block = self.document().findBlockByNumber(line - 1)
        if block.isValid():
            self.setTextCursor(QtGui.QTextCursor(block))
            self.centerCursor()
            self.setFocus()

    def event(self, event: QtCore.QEvent) -> bool:
        """A refused line's message as the tooltip of its text."""
        if event.type() == QtCore.QEvent.ToolTip:
            line = self.cursorForPosition(event.pos()).blockNumber() + 1
            if line in self.marked:
                QtWidgets.QToolTip.showText(event.globalPos(), self.marked[line], self)
            else:
                QtWidgets.QToolTip.hideText()
            return True
        return super().event(event)


class CampaignEditor(QtWidgets.QWidget):
    """A campaign file in a text editor, checked as it is typed; `checked` carries the
    campaign once the text passes every check, None while it is refused."""

    checked = QtCore.pyqtSignal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.campaign: Campaign | None = None
        self.refusals: list[Refusal] = []
        self.text = CodeEditor()
        self.text.setPlaceholderText("Open a campaign file (YAML), or write one here: "
                                     "docs/campaigns.md describes it.")
        self.file_label = QtWidgets.QLabel("No file")
        self.file_label.setTextInteractionFlags(QtCore.Qt.TextSelectableByMouse)
        self.open_button = QtWidgets.QPushButton("Open…")
        self.open_button.clicked.connect(self.choose_file)
        self.save_button = QtWidgets.QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        save_as = QtWidgets.QPushButton("Save as…")
        save_as.clicked.connect(self.save_as)
        self.verdict = QtWidgets.QLabel()
        self.verdict.setWordWrap(True)
        self.refusal_list = QtWidgets.QListWidget()
        self.refusal_list.setWordWrap(True)
        self.refusal_list.setMaximumHeight(110)
        self.refusal_list.itemActivated.connect(self._jump)
        self.refusal_list.itemClicked.connect(self._jump)
        self.timer = QtCore.QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(CHECK_DELAY_MS)
        self.timer.timeout.connect(self.check)
        self.text.textChanged.connect(self._typed)
        self.text.document().modificationChanged.connect(self._show_file)

        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.file_label, 1)
        for button in (self.open_button, self.save_button, save_as):
            bar.addWidget(button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.verdict)
        layout.addWidget(self.refusal_list)
        self.check()

    # -- files ----------------------------------------------------------------------------

    def choose_file(self) -> None:
        """Ask for a campaign file and open it."""
        start = str(self.path.parent) if self.path else str(Path.cwd())
        name, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open a campaign file", start,
                                                        "Campaign files (*.yaml *.yml)")
        if name:
            self.open_file(Path(name))

    def open_file(self, path: Path) -> None:
        """Show the file's text and check it at once."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            self.verdict.setText(f"<span style='color:#b00000'>Cannot open {path}: "
                                 f"{err}</span>")
            return
        self.path = path.resolve()
        self.text.setPlainText(text)
        self.text.document().setModified(False)
        self._show_file()
        self.check()

    def save(self) -> bool:
        """Write the text to its file (asks for one when it has none); False when not saved."""
        if self.path is None:
            return self.save_as()
        try:
            self.path.write_text(self.text.toPlainText(), encoding="utf-8")
        except OSError as err:
            self.verdict.setText(f"<span style='color:#b00000'>Not saved: {err}</span>")
            return False
        self.text.document().setModified(False)
        self.check()  # a station file is found relative to the file
        return True

    def save_as(self) -> bool:
        """Ask for a file name and save there."""
        start = str(self.path) if self.path else str(Path.cwd() / "campaign.yaml")
        name, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save the campaign file", start,
                                                        "Campaign files (*.yaml *.yml)")
        if not name:
            return False
        self.path = Path(name).resolve()
        return self.save()

    def _show_file(self) -> None:
        modified = " (modified)" if self.text.document().isModified() else ""
        self.file_label.setText(f"{self.path}{modified}" if self.path else f"Unsaved{modified}")
        self.file_label.setToolTip(self.file_label.text())

    # -- checking -------------------------------------------------------------------------

    def _typed(self) -> None:
        """Check again once typing pauses; until then the text counts as unchecked."""
        self.campaign = None
        self.checked.emit(None)
        self.timer.start()

    def check(self) -> Campaign | None:
        """Check the text as `labmem campaign check` would; mark and list its refusals."""
        self.timer.stop()
        source = str(self.path) if self.path else "<unsaved>"
        text = self.text.toPlainText()
        self.campaign, self.refusals = None, []
        if text.strip():
            try:
                self.campaign = Campaign.from_text(
                    text, source, self.path.parent if self.path else Path.cwd())
            except CampaignError as err:
                self.refusals = [refusal(m, source) for m in err.refusals]
            except Exception as err:  # (half-typed text must never end the window)
                self.refusals = [Refusal(None, f"the text could not be checked: {err}")]
        self.text.mark({r.line: r.message for r in reversed(self.refusals) if r.line})
        self.refusal_list.clear()
        for found in self.refusals:
            item = QtWidgets.QListWidgetItem(found.text())
            item.setForeground(REFUSAL_COLOUR)
            item.setData(QtCore.Qt.UserRole, found.line)
            self.refusal_list.addItem(item)
        self.refusal_list.setVisible(bool(self.refusals))
        self.verdict.setText(self._verdict(text))
        self.checked.emit(self.campaign)
        return self.campaign

    def _verdict(self, text: str) -> str:
        campaign = self.campaign
        if campaign is not None:
            where = "simulated bench" if campaign.simulated else f"station {campaign.station}"
            return (f"<span style='color:#006000'>✓ campaign <b>{campaign.name}</b>: "
                    f"{len(campaign.devices)} devices × {len(campaign.steps)} steps on the "
                    f"{where}</span>")
        if not text.strip():
            return "No campaign yet."
        count = len(self.refusals)
        return (f"<span style='color:#b00000'>✗ {count} refusal{'s' if count > 1 else ''}: "
                "the campaign cannot run until the text is fixed</span>")

    def _jump(self, item: QtWidgets.QListWidgetItem) -> None:
        line = item.data(QtCore.Qt.UserRole)
        if line:
            self.text.go_to_line(int(line))
