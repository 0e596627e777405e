// A plan's blocks drawn as a graph: a list of nodes laid out row by row (one row per rank,
// centred), with the edges between them drawn in an SVG layer measured from the nodes.
import type { JSX } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Graph } from './model';

interface Path {
  d: string;
  back: boolean;
  label?: string;
  lx: number;
  ly: number;
}

export function DagView(props: { graph: Graph; visible: (label: string) => boolean; label: string; renderNode: (label: string) => JSX.Element; compact?: boolean; wide?: (label: string) => boolean }) {
  const { graph } = props;
  const shown = graph.order.filter(props.visible);
  // Rows of shown nodes, each centred on a grid twice as wide as the widest row.
  const rows = new Map<number, string[]>();
  shown.forEach((label) => {
    const r = graph.rank.get(label) ?? 0;
    rows.set(r, [...(rows.get(r) ?? []), label]);
  });
  const ranks = [...rows.keys()].sort((a, b) => a - b);
  const widest = Math.max(1, ...[...rows.values()].map((r) => r.length));
  const place = new Map<string, { row: number; column: number }>();
  ranks.forEach((r, rowIndex) => {
    const row = rows.get(r) ?? [];
    // A wide node (a loop with its body) alone in its row takes the whole row.
    row.forEach((label, i) => place.set(label, { row: rowIndex + 1, column: row.length === 1 && props.wide?.(label) ? 0 : widest - row.length + 2 * i + 1 }));
  });

  const box = useRef<HTMLDivElement>(null);
  const [paths, setPaths] = useState<Path[]>([]);
  const [size, setSize] = useState({ w: 0, h: 0 });
  // A graph wider than its box scrolls, and then takes the focus so a keyboard can scroll it.
  const [scrolls, setScrolls] = useState(false);
  const edges = graph.edges.filter((e) => place.has(e.from) && place.has(e.to));
  const key = shown.join('|') + edges.map((e) => `${e.from}>${e.to}`).join('|');

  useLayoutEffect(() => {
    const container = box.current;
    if (!container) return;
    const measure = () => {
      const origin = container.getBoundingClientRect();
      const rectOf = (label: string) => container.querySelector(`[data-node="${CSS.escape(label)}"]`)?.getBoundingClientRect();
      const next: Path[] = [];
      for (const e of edges) {
        const a = rectOf(e.from);
        const b = rectOf(e.to);
        if (!a || !b) continue;
        const ax = a.left - origin.left;
        const ay = a.top - origin.top;
        const bx = b.left - origin.left;
        const by = b.top - origin.top;
        if (!e.back && by > ay + a.height - 1) {
          const x1 = ax + a.width / 2;
          const y1 = ay + a.height;
          const x2 = bx + b.width / 2;
          const y2 = by - 6;
          const mid = (y1 + y2) / 2;
          next.push({ d: `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`, back: false, label: e.label, lx: (x1 + x2) / 2, ly: mid });
        } else {
          // Back (or sideways) edges leave and enter on the right, bulging outwards.
          const x1 = ax + a.width;
          const y1 = ay + a.height / 2;
          const x2 = bx + b.width + 6;
          const y2 = by + b.height / 2;
          const out = Math.max(x1, x2) + 28;
          next.push({ d: `M${x1},${y1} C${out},${y1} ${out},${y2} ${x2},${y2}`, back: true, label: e.label, lx: out - 10, ly: (y1 + y2) / 2 });
        }
      }
      const w = container.scrollWidth;
      const h = container.scrollHeight;
      setPaths((old) => (JSON.stringify(old) === JSON.stringify(next) ? old : next));
      setSize((old) => (old.w === w && old.h === h ? old : { w, h }));
      setScrolls(w > container.clientWidth + 1);
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(container);
    container.querySelectorAll('[data-node]').forEach((node) => observer.observe(node));
    return () => observer.disconnect();
  });

  return (
    <div
      class={props.compact ? 'dag compact' : 'dag'}
      ref={box}
      data-key={key}
      tabIndex={scrolls ? 0 : undefined}
      role={scrolls ? 'group' : undefined}
      aria-label={scrolls ? `${props.label} (scrolls sideways)` : undefined}
    >
      <svg class="dag-edges" width={size.w} height={size.h} aria-hidden="true" focusable="false">
        <defs>
          <marker id="dag-arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="dag-arrowhead" />
          </marker>
        </defs>
        {paths.map((p, i) => (
          <g key={i}>
            <path d={p.d} class={p.back ? 'dag-edge back' : 'dag-edge'} marker-end="url(#dag-arrow)" />
            {p.label && (
              <text x={p.lx} y={p.ly} class="dag-edge-label" text-anchor="middle">
                {p.label.length > 28 ? `${p.label.slice(0, 27)}…` : p.label}
              </text>
            )}
          </g>
        ))}
      </svg>
      <ol class="dag-grid" aria-label={props.label} style={{ gridTemplateColumns: `repeat(${widest * 2}, minmax(${props.compact ? 4.5 : 7.5}rem, 1fr))` }}>
        {shown.map((label) => {
          const at = place.get(label) ?? { row: 1, column: 1 };
          return (
            <li key={label} class="dag-cell" data-node={label} style={{ gridRow: String(at.row), gridColumn: at.column === 0 ? '1 / -1' : `${at.column} / span 2` }}>
              {props.renderNode(label)}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
