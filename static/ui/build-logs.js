// The build page's live log: <section data-build-log data-ws-path="/ws/build/UUID/logs"
// data-ws-port="8081"> with an <ol data-build-log-lines> and a [data-build-log-phase].
// Lines arrive over the websocket (builds/live/consumer.py), each with its index: one already
// shown (rendered with the page, or sent again after a reconnect) is skipped, so none doubles.
(function () {
  var section = document.querySelector("[data-build-log]");
  if (!section || !window.WebSocket) return;
  var list = section.querySelector("[data-build-log-lines]");
  var phaseLabel = section.querySelector("[data-build-log-phase]");
  var shown = -1;
  list.querySelectorAll("[data-index]").forEach(function (item) {
    shown = Math.max(shown, Number(item.getAttribute("data-index")));
  });
  var attempts = 0;
  var ended = false;

  function url() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var port = section.getAttribute("data-ws-port");
    var host = port ? location.hostname.replace(/^(.*:.*)$/, "[$1]") + ":" + port : location.host;
    return scheme + host + section.getAttribute("data-ws-path");
  }

  function showPhase(phase) {
    if (phaseLabel) phaseLabel.textContent = phase;
    section.setAttribute("data-phase", phase);
  }

  function append(lines) {
    // Follow the end of the log unless the reader scrolled up to read.
    var stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    lines.forEach(function (line) {
      if (line.index <= shown) return;
      var item = document.createElement("li");
      item.setAttribute("data-index", line.index);
      item.className = "build-log-" + line.kind;
      item.title = line.phase + " " + line.time;
      item.textContent = line.message;
      list.appendChild(item);
      shown = line.index;
    });
    if (stick) list.scrollTop = list.scrollHeight;
  }

  function connect() {
    var socket = new WebSocket(url());
    socket.onmessage = function (event) {
      attempts = 0;
      var frame = JSON.parse(event.data);
      if (frame.type === "lines") append(frame.lines);
      else if (frame.type === "phase") showPhase(frame.phase);
      else if (frame.type === "end") { ended = true; showPhase(frame.phase); }
    };
    socket.onclose = function (event) {
      if (ended || event.code === 4403 || event.code === 4404) return;
      // The server went away (a restart, a lost connection): back, a little later each time.
      if (attempts++ < 10) setTimeout(connect, Math.min(1000 * attempts, 10000));
    };
  }
  connect();
})();
