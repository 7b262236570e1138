"""The canvas: steps as boxes with ports, edges as curves; drag from an output port to a step to connect.

The scene only draws the document's workflow and reports gestures as signals
(``connect_requested``, ``moved``, ``kind_dropped`` ...); the designer turns them
into undoable edits. A step's problems show as a dashed border *and* a "⚠ n" mark
with the messages as tooltip, so colour is never the only sign.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from tracseq_desktop.i18n import _, ngettext
from tracseq_desktop.workflows.model import Edge, Step, StepKind, Workflow, port_title
from tracseq_desktop.workflows.validation import Problem

KIND_MIME = "application/x-tracseq-step-kind"
NODE_W = 180.0
NODE_H = 72.0
PORT_R = 7.0
#: Fill per kind family; text stays #1b1b1b on all of them (contrast above 10:1).
KIND_FILL = {
    StepKind.START: "#d9ecdf",
    StepKind.END: "#e4e4e4",
    StepKind.QC: "#fdf0c8",
    StepKind.SIGN_OFF: "#ecdff5",
    StepKind.WAIT: "#dceaf7",
    StepKind.INSTRUMENT: "#dceaf7",
}
TEXT = QColor("#1b1b1b")
PROBLEM = QColor("#a3160b")
SELECTED = QColor("#0b4f8a")


class NodeItem(QGraphicsObject):
    def __init__(self, step: Step) -> None:
        super().__init__()
        self.step = step
        self.problems: list[Problem] = []
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsMovable | flags.ItemIsSelectable | flags.ItemIsFocusable)
        self.setAcceptHoverEvents(True)
        self.update_step(step, [])

    def update_step(self, step: Step, problems: list[Problem]) -> None:
        self.prepareGeometryChange()
        self.step = step
        self.problems = problems
        self.setPos(step.x, step.y)
        tip = [f"{step.title} ({step.kind.display_name}, {step.id})", *[p.message for p in problems]]
        self.setToolTip("\n".join(tip))
        self.update()

    @property
    def step_id(self) -> str:
        return self.step.id

    def boundingRect(self) -> QRectF:
        return QRectF(-PORT_R - 2, -2, NODE_W + 2 * PORT_R + 4, NODE_H + 4)

    def input_point(self) -> QPointF:
        return self.mapToScene(QPointF(0, NODE_H / 2))

    def output_points(self) -> dict[str, QPointF]:
        ports = self.step.kind.ports
        return {
            port: self.mapToScene(QPointF(NODE_W, NODE_H * (i + 1) / (len(ports) + 1))) for i, port in enumerate(ports)
        }

    def port_at(self, scene_pos: QPointF) -> str | None:
        for port, point in self.output_points().items():
            if (point - scene_pos).manhattanLength() <= PORT_R * 1.8:
                return port
        return None

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(0, 0, NODE_W, NODE_H)
        pen = QPen(SELECTED if self.isSelected() else QColor("#6e6e6e"), 3 if self.isSelected() else 1.2)
        if self.problems:
            pen = QPen(PROBLEM, 3 if self.isSelected() else 2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QBrush(QColor(KIND_FILL.get(self.step.kind, "#ffffff"))))
        painter.drawRoundedRect(rect, 8, 8)
        painter.setPen(TEXT)
        bold = QFont(painter.font())
        bold.setBold(True)
        painter.setFont(bold)
        title = painter.fontMetrics().elidedText(self.step.title, Qt.TextElideMode.ElideRight, int(NODE_W - 16))
        painter.drawText(QRectF(8, 6, NODE_W - 16, 22), Qt.AlignmentFlag.AlignLeft, title)
        bold.setBold(False)
        painter.setFont(bold)
        painter.drawText(QRectF(8, 28, NODE_W - 16, 20), Qt.AlignmentFlag.AlignLeft, self.step.kind.display_name)
        if self.problems:
            painter.setPen(PROBLEM)
            mark = "\u26a0 " + ngettext("{count} problem", "{count} problems", len(self.problems)).format(
                count=len(self.problems)
            )
            painter.drawText(QRectF(8, 48, NODE_W - 16, 20), Qt.AlignmentFlag.AlignLeft, mark)
        painter.setPen(QPen(QColor("#3c3c3c"), 1))
        painter.setBrush(QBrush(QColor("#ffffff")))
        if self.step.kind is not StepKind.START:
            painter.drawEllipse(QPointF(0, NODE_H / 2), PORT_R, PORT_R)
        ports = self.step.kind.ports
        for i, port in enumerate(ports):
            y = NODE_H * (i + 1) / (len(ports) + 1)
            painter.setBrush(QBrush(QColor("#0b4f8a")))
            painter.drawEllipse(QPointF(NODE_W, y), PORT_R, PORT_R)
            if len(ports) > 1:
                painter.setPen(TEXT)
                painter.drawText(QRectF(NODE_W - 60, y - 9, 48, 18), Qt.AlignmentFlag.AlignRight, port_title(port))
                painter.setPen(QPen(QColor("#3c3c3c"), 1))


class EdgeItem(QGraphicsPathItem):
    def __init__(self, edge: Edge, start: QPointF, end: QPointF) -> None:
        super().__init__()
        self.edge = edge
        path = QPainterPath(start)
        bend = min(120.0, max(40.0, abs(end.x() - start.x()) / 2))
        if edge.is_retry:  # back edges loop below the steps
            low = max(start.y(), end.y()) + NODE_H + 20
            path.cubicTo(QPointF(start.x() + 80, low), QPointF(end.x() - 80, low), end)
        else:
            path.cubicTo(QPointF(start.x() + bend, start.y()), QPointF(end.x() - bend, end.y()), end)
        self.setPath(path)
        pen = QPen(QColor("#3c3c3c"), 2, Qt.PenStyle.DashLine if edge.is_retry else Qt.PenStyle.SolidLine)
        self.setPen(pen)
        self.setZValue(-1)
        label = ""  # the node names its ports; only retries need words on the edge
        if edge.is_retry:
            label = _("{port}: retry at most {limit}x").format(port=port_title(edge.port), limit=edge.retry_limit)
        if label:
            text = QGraphicsSimpleTextItem(label, self)
            text.setBrush(TEXT)
            middle = path.pointAtPercent(0.5)
            text.setPos(middle.x() - text.boundingRect().width() / 2, middle.y() + 2)
        self.setToolTip(label or _("next"))


class WorkflowScene(QGraphicsScene):
    connect_requested = Signal(str, str, str)  #: source, port, target
    moved = Signal(object)  #: {step id: (x, y)}
    kind_dropped = Signal(str, QPointF)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.nodes: dict[str, NodeItem] = {}
        self._edges: list[EdgeItem] = []
        self._drag: tuple[str, str] | None = None
        self._rubber: QGraphicsPathItem | None = None

    def show_workflow(self, workflow: Workflow, problems: list[Problem]) -> None:
        by_step: dict[str, list[Problem]] = {}
        for problem in problems:
            if problem.step_id is not None:
                by_step.setdefault(problem.step_id, []).append(problem)
        keep = {s.id for s in workflow.steps}
        for step_id in list(self.nodes):
            if step_id not in keep:
                self.removeItem(self.nodes.pop(step_id))
        for step in workflow.steps:
            node = self.nodes.get(step.id)
            if node is None:
                node = NodeItem(step)
                self.nodes[step.id] = node
                self.addItem(node)
            node.update_step(step, by_step.get(step.id, []))
        for item in self._edges:
            self.removeItem(item)
        self._edges = []
        for edge in workflow.edges:
            source, target = self.nodes.get(edge.source), self.nodes.get(edge.target)
            if source is None or target is None:
                continue
            start = source.output_points().get(edge.port)
            if start is None:
                continue
            item = EdgeItem(edge, start, target.input_point())
            self.addItem(item)
            self._edges.append(item)

    def edge_items(self) -> list[EdgeItem]:
        return list(self._edges)

    def selected_ids(self) -> list[str]:
        return [item.step_id for item in self.selectedItems() if isinstance(item, NodeItem)]

    def select_ids(self, ids: list[str]) -> None:
        self.blockSignals(True)
        self.clearSelection()
        for step_id in ids:
            if step_id in self.nodes:
                self.nodes[step_id].setSelected(True)
        self.blockSignals(False)
        self.selectionChanged.emit()

    def node_at(self, pos: QPointF) -> NodeItem | None:
        for item in self.items(pos):
            if isinstance(item, NodeItem):
                return item
        return None

    # -- dragging a connection out of a port ----------------------------------------------------
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        node = self.node_at(event.scenePos()) if event.button() == Qt.MouseButton.LeftButton else None
        port = node.port_at(event.scenePos()) if node else None
        if node is not None and port is not None:
            self._drag = (node.step_id, port)
            self._rubber = QGraphicsPathItem()
            self._rubber.setPen(QPen(SELECTED, 2, Qt.PenStyle.DotLine))
            self.addItem(self._rubber)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag is not None and self._rubber is not None:
            start = self.nodes[self._drag[0]].output_points()[self._drag[1]]
            path = QPainterPath(start)
            path.lineTo(event.scenePos())
            self._rubber.setPath(path)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag is not None:
            source, port = self._drag
            self._drag = None
            if self._rubber is not None:
                self.removeItem(self._rubber)
                self._rubber = None
            target = self.node_at(event.scenePos())
            if target is not None and target.step_id != source:
                self.connect_requested.emit(source, port, target.step_id)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        self.report_moves()

    def report_moves(self) -> None:
        moved = {
            step_id: (node.pos().x(), node.pos().y())
            for step_id, node in self.nodes.items()
            if (node.pos().x(), node.pos().y()) != (node.step.x, node.step.y)
        }
        if moved:
            self.moved.emit(moved)


class GraphView(QGraphicsView):
    """Zoom (Ctrl+wheel, +/-, 0 to fit), pan (wheel, middle drag), keyboard moves and step cycling."""

    nudged = Signal(object)  #: {step id: (x, y)}
    delete_requested = Signal()
    edit_requested = Signal()

    def __init__(self, scene: WorkflowScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self._scene = scene
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(True)
        self._pan_from: QPointF | None = None

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(0.2 / current, min(3.0 / current, factor))
        self.scale(factor, factor)

    def zoom_level(self) -> float:
        return self.transform().m11()

    def fit(self) -> None:
        rect = QRectF()
        for node in self._scene.nodes.values():
            rect = rect.united(node.sceneBoundingRect())
        rect = rect.adjusted(-40, -40, 40, 90)
        if not rect.isEmpty():
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
            if self.zoom_level() > 1.0:
                self.resetTransform()
                self.centerOn(rect.center())

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1.15 if event.angleDelta().y() > 0 else 1 / 1.15)
            event.accept()
            return
        super().wheelEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = None
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        step = 50.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 10.0
        offsets = {
            Qt.Key.Key_Left: (-step, 0.0),
            Qt.Key.Key_Right: (step, 0.0),
            Qt.Key.Key_Up: (0.0, -step),
            Qt.Key.Key_Down: (0.0, step),
        }
        selected = self._scene.selected_ids()
        if key in offsets and selected:
            dx, dy = offsets[Qt.Key(key)]
            nodes = self._scene.nodes
            self.nudged.emit({i: (nodes[i].step.x + dx, nodes[i].step.y + dy) for i in selected})
        elif key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            self._cycle(1 if key == Qt.Key.Key_PageDown else -1)
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1.15)
        elif key == Qt.Key.Key_Minus:
            self.zoom(1 / 1.15)
        elif key == Qt.Key.Key_0:
            self.fit()
        elif key == Qt.Key.Key_Delete and selected:
            self.delete_requested.emit()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and selected:
            self.edit_requested.emit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _cycle(self, direction: int) -> None:
        ids = sorted(self._scene.nodes, key=lambda i: (self._scene.nodes[i].step.x, self._scene.nodes[i].step.y))
        if not ids:
            return
        selected = self._scene.selected_ids()
        index = ids.index(selected[0]) + direction if selected else 0
        chosen = ids[index % len(ids)]
        self._scene.select_ids([chosen])
        self.centerOn(self._scene.nodes[chosen])

    # -- drops from the palette -----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(KIND_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(KIND_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if mime.hasFormat(KIND_MIME):
            kind = bytes(mime.data(KIND_MIME).data()).decode()
            self._scene.kind_dropped.emit(kind, self.mapToScene(event.position().toPoint()))
            event.acceptProposedAction()
        else:
            super().dropEvent(event)
