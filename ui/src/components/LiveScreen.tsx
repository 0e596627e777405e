// The live browser of a run or a session over its WebSocket: frames as they are painted, and
// Take control / Stop controlling, during which the person's mouse, wheel and keys go to the page
// (the agent waits meanwhile).
import { useEffect, useRef, useState } from 'preact/hooks';

interface Viewer {
  id: number;
  name: string;
}

interface ControlMessage {
  held_by: Viewer | null;
  requested_by: Viewer | null;
  you_hold_control: boolean;
}

type Incoming =
  | { type: 'hello'; viewer_id: number; status: string; control: { held_by: Viewer | null; requested_by: Viewer | null } }
  | { type: 'frame'; sequence: number; url: string; data: string }
  | { type: 'status'; status: string }
  | ({ type: 'control' } & ControlMessage)
  | { type: 'turn'; run_id: string | null }
  | { type: 'error'; message: string }
  | { type: 'end'; status: string; recording_url?: string | null };

export interface LiveScreenProps {
  /** The WebSocket's path: `/v1/runs/<id>/live` or `/v1/browser_sessions/<id>/live`. */
  path: string;
  /** What the agent is called in notes ("the agent", "the session's run"). */
  actor?: string;
  onStatus?: (status: string) => void;
  onEnd?: (status: string) => void;
  onTurn?: (runId: string | null) => void;
}

const BUTTONS = ['left', 'middle', 'right'] as const;

/** The DOM modifier keys as CDP's bit field. */
function modifiers(event: MouseEvent | KeyboardEvent | WheelEvent): number {
  return (event.altKey ? 1 : 0) | (event.ctrlKey ? 2 : 0) | (event.metaKey ? 4 : 0) | (event.shiftKey ? 8 : 0);
}

export function LiveScreen({ path, actor = 'the agent', onStatus, onEnd, onTurn }: LiveScreenProps) {
  const socket = useRef<WebSocket | null>(null);
  const image = useRef<HTMLImageElement>(null);
  const screen = useRef<HTMLDivElement>(null);
  const controlButton = useRef<HTMLButtonElement>(null);
  const viewerId = useRef<number | null>(null);
  const [frame, setFrame] = useState<{ data: string; sequence: number } | null>(null);
  const [url, setUrl] = useState('');
  const [connected, setConnected] = useState(false);
  const [ended, setEnded] = useState<string | null>(null);
  const [control, setControl] = useState<ControlMessage>({ held_by: null, requested_by: null, you_hold_control: false });
  const [error, setError] = useState('');
  const callbacks = useRef({ onStatus, onEnd, onTurn });
  callbacks.current = { onStatus, onEnd, onTurn };

  const send = (message: object) => {
    if (socket.current?.readyState === WebSocket.OPEN) socket.current.send(JSON.stringify(message));
  };

  useEffect(() => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`);
    socket.current = ws;
    ws.onopen = () => setConnected(true);
    ws.onclose = () => setConnected(false);
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data as string) as Incoming;
      switch (message.type) {
        case 'hello':
          viewerId.current = message.viewer_id;
          callbacks.current.onStatus?.(message.status);
          setControl({ ...message.control, you_hold_control: false });
          break;
        case 'frame':
          setFrame({ data: message.data, sequence: message.sequence });
          setUrl(message.url);
          break;
        case 'status':
          callbacks.current.onStatus?.(message.status);
          break;
        case 'control':
          setControl(message);
          break;
        case 'turn':
          callbacks.current.onTurn?.(message.run_id);
          break;
        case 'error':
          setError(message.message);
          break;
        case 'end':
          setEnded(message.status);
          setControl({ held_by: null, requested_by: null, you_hold_control: false });
          callbacks.current.onEnd?.(message.status);
          break;
      }
    };
    return () => ws.close();
  }, [path]);

  const controlling = control.you_hold_control;
  useEffect(() => {
    if (controlling) screen.current?.focus();
  }, [controlling]);

  /** A point on the picture in the page's own pixels; the picture is letterboxed (object-fit:
   * contain) when its shape differs from the screen's, so the bands are taken off first. */
  const point = (event: MouseEvent) => {
    const img = image.current!;
    const box = img.getBoundingClientRect();
    const scale = Math.min(box.width / img.naturalWidth, box.height / img.naturalHeight) || 1;
    const left = (box.width - img.naturalWidth * scale) / 2;
    const top = (box.height - img.naturalHeight * scale) / 2;
    const clamp = (value: number, max: number) => Math.max(0, Math.min(max, value));
    return {
      x: clamp((event.clientX - box.left - left) / scale, img.naturalWidth),
      y: clamp((event.clientY - box.top - top) / scale, img.naturalHeight),
    };
  };
  const mouse = (kind: 'pressed' | 'released' | 'moved') => (event: MouseEvent) => {
    if (!controlling) return;
    send({ type: 'mouse', event: kind, ...point(event), button: BUTTONS[event.button] ?? 'left', click_count: event.detail || 1, modifiers: modifiers(event) });
  };
  const key = (kind: 'down' | 'up') => (event: KeyboardEvent) => {
    if (!controlling) return;
    event.preventDefault();
    // Every key goes to the page, Tab too; Shift+Escape is the way out to the controls.
    if (event.key === 'Escape' && event.shiftKey) {
      if (kind === 'down') controlButton.current?.focus();
      return;
    }
    const text = kind === 'down' ? (event.key.length === 1 ? event.key : event.key === 'Enter' ? '\r' : undefined) : undefined;
    send({ type: 'key', event: kind, key: event.key, code: event.code, key_code: event.keyCode, text, modifiers: modifiers(event) });
  };

  const note = controlling
    ? `You hold control: your mouse and keyboard go to the browser (Shift+Esc leaves the picture), and ${actor} is paused until you stop.`
    : control.requested_by && control.requested_by.id === viewerId.current
      ? `Control is handed over once ${actor} finishes its current action…`
      : control.held_by
        ? `${control.held_by.name} holds control; ${actor} is paused.`
        : '';

  return (
    <div class="live">
      <div class="live-bar row">
        {!ended && (
          <button ref={controlButton} type="button" disabled={!connected || (!frame && !controlling)} onClick={() => send({ type: controlling ? 'release_control' : 'take_control' })}>
            {controlling ? 'Stop controlling' : 'Take control'}
          </button>
        )}
        {controlling && (
          <>
            <button type="button" class="secondary small" onClick={() => send({ type: 'back' })}>
              Back
            </button>
            <button type="button" class="secondary small" onClick={() => send({ type: 'forward' })}>
              Forward
            </button>
            <button type="button" class="secondary small" onClick={() => send({ type: 'reload' })}>
              Reload
            </button>
          </>
        )}
        <span class="live-url muted" title={url}>
          {url}
        </span>
      </div>
      {note && (
        <p class="live-note" role="status">
          {note}
        </p>
      )}
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      <div
        ref={screen}
        class={`screen${controlling ? ' controlling' : ''}`}
        tabIndex={controlling ? 0 : -1}
        aria-label={controlling ? 'The live browser: your keys and clicks go to the page' : 'The live browser'}
        onKeyDown={key('down')}
        onKeyUp={key('up')}
      >
        {frame ? (
          <img
            ref={image}
            alt={url ? `The page at ${url}` : 'The live page'}
            draggable={false}
            src={`data:image/jpeg;base64,${frame.data}`}
            // Acknowledged once drawn: the appliance sends the next frame as this one is shown.
            onLoad={() => send({ type: 'ack', sequence: frame.sequence })}
            onMouseDown={mouse('pressed')}
            onMouseUp={mouse('released')}
            onMouseMove={mouse('moved')}
            onContextMenu={(event) => controlling && event.preventDefault()}
            onWheel={(event) => {
              if (!controlling) return;
              event.preventDefault();
              send({ type: 'wheel', ...point(event), delta_x: event.deltaX, delta_y: event.deltaY, modifiers: modifiers(event) });
            }}
          />
        ) : (
          <p class="screen-note">{ended ? `The browser closed (${ended.replace(/_/g, ' ')}).` : connected ? 'Waiting for the browser…' : 'Connecting…'}</p>
        )}
      </div>
    </div>
  );
}
