// The runs list at `/`, and a run's page at `/runs/<id>`: its live view (watch, take control),
// then its recording, timeline and screenshots. The API is called with the login cookie.
const main = document.getElementById('main');
const api = (path, options) => fetch('/v1' + path, options).then(async (r) => ({ ok: r.ok, body: await r.json() }));
const escape = (text) => String(text ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const badge = (status) => `<span class="status ${escape(status)}">${escape(status)}</span>`;

async function runsList() {
  const { body: runs } = await api('/runs?page_size=50');
  main.innerHTML = `<h2>Runs</h2><table><tr><th>run</th><th>status</th><th>goal</th><th>created</th></tr>${
    runs.map((run) => `<tr><td><a href="/runs/${escape(run.run_id)}">${escape(run.run_id)}</a></td>
      <td>${badge(run.status)}</td><td>${escape(run.title || run.run_request?.prompt)}</td>
      <td class="muted">${escape(run.created_at)}</td></tr>`).join('')}</table>`;
}

async function runPage(runId) {
  document.getElementById('where').textContent = runId;
  main.innerHTML = `<div class="layout"><section>
      <div class="bar"><span id="status"></span><button id="control" disabled>Take control</button>
        <button id="cancel">Cancel</button><span class="muted" id="note"></span></div>
      <div class="screen" id="screen"><p>Waiting for the browser…</p></div>
      <p class="muted" id="url"></p></section>
    <aside><h3>Timeline</h3><ol id="timeline"></ol></aside></div>`;
  const screen = document.getElementById('screen');
  const control = document.getElementById('control');
  const note = document.getElementById('note');
  const setStatus = (status) => { document.getElementById('status').innerHTML = badge(status); };
  document.getElementById('cancel').onclick = () => api(`/runs/${runId}/cancel`, { method: 'POST' }).then(refresh);

  async function refresh() {
    const { ok, body: run } = await api(`/runs/${runId}`);
    if (!ok) { main.innerHTML = `<p>${escape(run.message)}</p>`; return; }
    setStatus(run.status);
    const { body: items } = await api(`/runs/${runId}/timeline`);
    document.getElementById('timeline').innerHTML = items.map((item) =>
      `<li>${escape(item.label)} <span class="muted">${escape(item.status)}</span></li>`).join('');
  }

  function finished(status) {
    setStatus(status);
    control.disabled = true;
    api(`/runs/${runId}`).then(async ({ body: run }) => {
      if (run.recording_url) {
        screen.innerHTML = `<video controls preload="metadata" src="${escape(run.recording_url)}"></video>`;
      } else {
        const why = await api(`/runs/${runId}/recording`);
        screen.innerHTML = `<p>${escape(why.body.message)}</p>`;
      }
    });
    refresh();
  }

  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/runs/${runId}/live`);
  const send = (message) => socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify(message));
  let viewerId = null, controlling = false, image = null;
  control.onclick = () => send({ type: controlling ? 'release_control' : 'take_control' });
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'hello') { viewerId = message.viewer_id; setStatus(message.status); control.disabled = false; }
    if (message.type === 'frame') {
      if (!image) { screen.innerHTML = ''; image = document.createElement('img'); screen.appendChild(image); wire(image); }
      // Acknowledged once drawn: the appliance sends the next frame as this one is shown.
      image.onload = () => send({ type: 'ack', sequence: message.sequence });
      image.src = 'data:image/jpeg;base64,' + message.data;
      document.getElementById('url').textContent = message.url;
    }
    if (message.type === 'status') { setStatus(message.status); refresh(); }
    if (message.type === 'control') {
      controlling = message.you_hold_control;
      screen.classList.toggle('controlling', controlling);
      control.textContent = controlling ? 'Stop controlling' : 'Take control';
      note.textContent = controlling ? 'Your mouse and keyboard go to the browser.'
        : message.requested_by?.id === viewerId ? 'Control is handed over after the current action…'
        : message.held_by ? `${message.held_by.name} holds control.` : '';
    }
    if (message.type === 'error') { note.textContent = message.message; }
    if (message.type === 'end') { finished(message.status); }
  };

  // While in control: the picture's pixels are the viewport's, so scale from the shown size.
  function wire(img) {
    const point = (e) => ({ x: e.offsetX * img.naturalWidth / img.clientWidth, y: e.offsetY * img.naturalHeight / img.clientHeight });
    const buttons = ['left', 'middle', 'right'];
    const mouse = (kind) => (e) => controlling && send({ type: 'mouse', event: kind, ...point(e), button: buttons[e.button] || 'left', click_count: e.detail || 1 });
    img.onmousedown = mouse('pressed'); img.onmouseup = mouse('released'); img.onmousemove = mouse('moved');
    img.oncontextmenu = (e) => controlling && e.preventDefault();
    img.draggable = false;
    img.onwheel = (e) => { if (!controlling) return; e.preventDefault(); send({ type: 'wheel', ...point(e), delta_x: e.deltaX, delta_y: e.deltaY }); };
  }
  const key = (kind) => (e) => {
    if (!controlling) return;
    e.preventDefault();
    const text = kind === 'down' ? (e.key.length === 1 ? e.key : e.key === 'Enter' ? '\r' : undefined) : undefined;
    const modifiers = (e.altKey ? 1 : 0) | (e.ctrlKey ? 2 : 0) | (e.metaKey ? 4 : 0) | (e.shiftKey ? 8 : 0);
    send({ type: 'key', event: kind, key: e.key, code: e.code, key_code: e.keyCode, text, modifiers });
  };
  document.onkeydown = key('down'); document.onkeyup = key('up');
  refresh();
}

const match = location.pathname.match(/^\/runs\/((?:tsk|wr)_\d+)$/);
if (match) { runPage(match[1]); } else { runsList(); }
