// The build page's live log (templates/ui/builds/build.html): <pre id="build-log"
// data-ws-path="/ws/build/UUID/logs" data-ws-port="8081" data-next="N"> holds the lines rendered
// with the page; the rest arrive over the websocket (builds/live/consumer.py), each with its
// index. A line already shown (with the page, or sent again after a reconnect) is skipped, so
// none doubles; the phase badge (#build-phase) and #build[data-phase] follow the build.
(function () {
  var log = document.getElementById("build-log");
  if (!log || !log.hasAttribute("data-ws-path") || !window.WebSocket) return;
  if (log.getAttribute("data-ended") === "true") return;
  var card = document.getElementById("build");
  var badge = document.getElementById("build-phase");
  var shown = Number(log.getAttribute("data-next") || 0) - 1;
  var attempts = 0;
  var ended = false;
  var BADGES = { complete: "badge public", error: "badge danger", expired: "badge danger", cancelled: "badge" };

  function url() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var port = log.getAttribute("data-ws-port");
    var hostname = location.hostname.indexOf(":") >= 0 ? "[" + location.hostname + "]" : location.hostname;
    return scheme + (port ? hostname + ":" + port : location.host) + log.getAttribute("data-ws-path");
  }

  function showPhase(phase) {
    if (card) card.setAttribute("data-phase", phase);
    if (!badge) return;
    var label = document.createElement("span");
    label.className = BADGES[phase] || "badge private";
    label.textContent = phase;
    badge.replaceChildren(label);
  }

  function append(lines) {
    // Follow the end of the log unless the reader scrolled up to read.
    var follow = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    lines.forEach(function (line) {
      if (line.index <= shown) return;
      var item = document.createElement("span");
      item.className = "log-" + line.kind;
      item.setAttribute("data-index", line.index);
      item.title = line.phase + " " + line.time;
      item.textContent = line.message + "\n";
      log.appendChild(item);
      shown = line.index;
    });
    log.setAttribute("data-next", shown + 1);
    if (follow) log.scrollTop = log.scrollHeight;
  }

  function connect() {
    var socket = new WebSocket(url());
    socket.onmessage = function (event) {
      attempts = 0;
      var frame = JSON.parse(event.data);
      if (frame.type === "lines") append(frame.lines);
      else if (frame.type === "phase") showPhase(frame.phase);
      else if (frame.type === "end") {
        ended = true;
        log.setAttribute("data-ended", "true");
        showPhase(frame.phase);
      }
    };
    socket.onclose = function (event) {
      if (ended || event.code === 4403 || event.code === 4404) return;
      // The server went away (a restart, a lost connection): back, a little later each time.
      if (attempts++ < 10) setTimeout(connect, Math.min(1000 * attempts, 10000));
    };
  }
  connect();
})();
