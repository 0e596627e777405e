// Tabs in the ARIA pattern: a tablist of tabs (arrow keys, Home and End move between them) and
// the one panel of the selected tab.
import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';

export interface TabSpec {
  key: string;
  label: string;
}

export function Tabs(props: { label: string; tabs: TabSpec[]; selected: string; onSelect: (key: string) => void; children: ComponentChildren }) {
  const list = useRef<HTMLDivElement>(null);
  const idOf = (key: string) => `tab-${key}`;
  const move = (event: KeyboardEvent, index: number) => {
    const last = props.tabs.length - 1;
    const next =
      event.key === 'ArrowRight' ? (index === last ? 0 : index + 1) : event.key === 'ArrowLeft' ? (index === 0 ? last : index - 1) : event.key === 'Home' ? 0 : event.key === 'End' ? last : null;
    if (next === null) return;
    event.preventDefault();
    props.onSelect(props.tabs[next].key);
    list.current?.querySelector<HTMLButtonElement>(`#${idOf(props.tabs[next].key)}`)?.focus();
  };
  return (
    <div class="run-tabs">
      <div class="tabs" role="tablist" aria-label={props.label} ref={list}>
        {props.tabs.map((tab, index) => (
          <button
            key={tab.key}
            id={idOf(tab.key)}
            type="button"
            role="tab"
            aria-selected={tab.key === props.selected}
            aria-controls={`panel-${tab.key}`}
            tabIndex={tab.key === props.selected ? 0 : -1}
            onClick={() => props.onSelect(tab.key)}
            onKeyDown={(event) => move(event, index)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${props.selected}`} aria-labelledby={idOf(props.selected)} tabIndex={0} class="tab-panel">
        {props.children}
      </div>
    </div>
  );
}
