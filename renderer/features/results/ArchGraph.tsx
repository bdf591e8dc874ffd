import dagre from '@dagrejs/dagre';
import { Background, BaseEdge, EdgeLabelRenderer, MarkerType, Position, ReactFlow, type Edge, type EdgeProps, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo } from 'react';
import type { ArchGraph as Graph } from '../../api/index.js';

const H = 40;
/** Node height when it shows its output shape under the label. */
const H_SHAPE = 58;

/** A node's label, with its output tensor shape under it when known. */
function nodeLabel(n: Graph['nodes'][number]) {
  if (!n.shape) return n.label;
  return (
    <>
      <div>{n.label}</div>
      <div className="arch-shape" data-testid="arch-shape">{n.shape}</div>
    </>
  );
}
const LABEL_W = 96;
const LABEL_H = 20;

interface RoutedData extends Record<string, unknown> {
  points: { x: number; y: number }[];
  labelAt?: { x: number; y: number };
}

/**
 * Lays the architecture out with dagre (top to bottom, edge labels given room as dagre nodes) and
 * keeps dagre's routes: edges are drawn through its points, so no edge crosses a node or a label.
 */
export function layoutGraph(graph: Graph, wide: boolean): { nodes: Node[]; edges: Edge<RoutedData>[] } {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 40, edgesep: 24, ranksep: 50 });
  g.setDefaultEdgeLabel(() => ({}));
  const width = wide ? 320 : 150;
  const h = graph.nodes.some((n) => n.shape) ? H_SHAPE : H;
  for (const n of graph.nodes) g.setNode(n.id, { width, height: h });
  graph.edges.forEach((e, i) => g.setEdge(e.from, e.to, e.label ? { width: LABEL_W, height: LABEL_H, labelpos: 'c' } : {}, `e${i}`));
  dagre.layout(g);
  const nodes: Node[] = graph.nodes.map((n) => {
    const p = g.node(n.id) as { x: number; y: number };
    return {
      id: n.id,
      data: { label: nodeLabel(n) },
      position: { x: p.x - width / 2, y: p.y - h / 2 },
      className: `arch-node arch-${n.kind}`,
      style: { width },
      connectable: false,
      draggable: false,
    };
  });
  const edges: Edge<RoutedData>[] = graph.edges.map((e, i) => {
    const routed = g.edge({ v: e.from, w: e.to, name: `e${i}` }) as { points?: { x: number; y: number }[]; x?: number; y?: number };
    return {
      id: `e${i}`,
      source: e.from,
      target: e.to,
      type: 'routed',
      ...(e.label ? { label: e.label } : {}),
      data: { points: routed.points ?? [], ...(routed.x !== undefined && routed.y !== undefined ? { labelAt: { x: routed.x, y: routed.y } } : {}) },
      markerEnd: { type: MarkerType.ArrowClosed },
      className: `arch-edge op-${e.label ?? 'seq'}`,
      ...(e.label === 'none' ? { style: { strokeDasharray: '4 4', opacity: 0.5 } } : {}),
    };
  });
  return { nodes, edges };
}

/** An edge through dagre's route (a smooth curve through its points), label where dagre put it. */
function RoutedEdge({ id, data, markerEnd, style, label, sourceX, sourceY, targetX, targetY }: EdgeProps<Edge<RoutedData>>) {
  const pts = data?.points.length ? [{ x: sourceX, y: sourceY }, ...data.points.slice(1, -1), { x: targetX, y: targetY }] : [{ x: sourceX, y: sourceY }, { x: targetX, y: targetY }];
  let path = `M${pts[0]!.x},${pts[0]!.y}`;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1]!;
    const b = pts[i]!;
    const my = (a.y + b.y) / 2;
    path += ` C${a.x},${my} ${b.x},${my} ${b.x},${b.y}`;
  }
  const at = data?.labelAt;
  return (
    <>
      <BaseEdge id={id} path={path} {...(markerEnd ? { markerEnd } : {})} {...(style ? { style } : {})} />
      {label && at ? (
        <EdgeLabelRenderer>
          <div className="edge-label" style={{ transform: `translate(-50%, -50%) translate(${at.x}px, ${at.y}px)`, ...(style?.opacity ? { opacity: 0.7 } : {}) }}>
            {label}
          </div>
        </EdgeLabelRenderer>
      ) : null}
    </>
  );
}

const EDGE_TYPES = { routed: RoutedEdge };

/** Whether the graph is a plain chain (each node feeds the next, no edge labels): a block sequence. */
export function isChain(graph: Graph): boolean {
  return graph.edges.length === graph.nodes.length - 1 && graph.edges.every((e, i) => !e.label && e.from === graph.nodes[i]?.id && e.to === graph.nodes[i + 1]?.id);
}

/**
 * A long chain (e.g. a mobilenet's 20–30 blocks) in rows that snake left → right, then right →
 * left, `cols` per row: it fits a 1440×900 screen at full size instead of one column zoomed out
 * to unreadable text.
 */
export function snakeLayout(graph: Graph, cols: number, width: number): { nodes: Node[]; edges: Edge[]; height: number } {
  const GAP_X = 56;
  const ROW = (graph.nodes.some((n) => n.shape) ? H_SHAPE : H) + 56;
  const nodes: Node[] = graph.nodes.map((n, i) => {
    const row = Math.floor(i / cols);
    const k = i % cols;
    const col = row % 2 === 0 ? k : cols - 1 - k;
    const ltr = row % 2 === 0;
    const lastInRow = k === cols - 1 || i === graph.nodes.length - 1;
    const firstInRow = k === 0;
    return {
      id: n.id,
      data: { label: nodeLabel(n) },
      position: { x: col * (width + GAP_X), y: row * ROW },
      className: `arch-node arch-${n.kind}`,
      style: { width },
      sourcePosition: lastInRow ? Position.Bottom : ltr ? Position.Right : Position.Left,
      targetPosition: firstInRow && row > 0 ? Position.Top : ltr ? Position.Left : Position.Right,
      connectable: false,
      draggable: false,
    };
  });
  const edges: Edge[] = graph.edges.map((e, i) => ({ id: `e${i}`, source: e.from, target: e.to, type: 'smoothstep', markerEnd: { type: MarkerType.ArrowClosed }, className: 'arch-edge op-seq' }));
  return { nodes, edges, height: Math.ceil(graph.nodes.length / cols) * ROW };
}

export function ArchGraph({ graph, theme }: { graph: Graph; theme: 'dark' | 'light' }) {
  const wide = graph.nodes.some((n) => n.label.length > 24 || (n.shape?.length ?? 0) > 18);
  const snake = isChain(graph) && graph.nodes.length > 8;
  const { nodes, edges, height } = useMemo(() => {
    if (snake) {
      const s = snakeLayout(graph, 4, wide ? 260 : 150);
      return { ...s, height: Math.min(900, Math.max(360, s.height + 40)) };
    }
    return { ...layoutGraph(graph, wide), height: Math.min(720, Math.max(440, graph.nodes.length * 90)) };
  }, [graph, wide, snake]);
  return (
    <>
    {graph.shapes ? <p className="arch-shapes-note muted" data-testid="arch-shapes-note">Tensor shapes (H×W×C, each node's output): {graph.shapes}</p> : null}
    <div className="arch-graph" style={{ height }} aria-label="Architecture graph">
      <ReactFlow nodes={nodes} edges={edges} edgeTypes={EDGE_TYPES} fitView fitViewOptions={{ maxZoom: 1.1, padding: 0.06 }} colorMode={theme} nodesConnectable={false} nodesDraggable={false} proOptions={{ hideAttribution: true }} minZoom={0.2}>
        <Background gap={24} />
      </ReactFlow>
    </div>
    </>
  );
}
