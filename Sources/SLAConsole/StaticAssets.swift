/// The console's stylesheet and script, served from `/console/static/` (the content security
/// policy allows nothing inline and nothing from elsewhere).
enum StaticAssets {
    static let css = """
        :root { --console-ok: #1b6e20; --console-ok-bg: #e3f1e4; --console-risk: #8a4b00; --console-risk-bg: #ffe8c2; --console-late: #ffffff;
          --console-late-bg: #b3261e; --console-ink: #1f2328; --console-muted: #59606a; --console-rule: #d0d4d9; --console-accent: #0b57d0; --console-page: #f6f7f9; }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0; padding: 0; max-width: none; font-family: system-ui, "Segoe UI", Roboto, "Noto Sans",
          "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 16px;
          line-height: 1.45; color: var(--console-ink); background: var(--console-page); }
        a { color: var(--console-accent); }
        .skip { position: absolute; left: -999px; }
        .skip:focus { left: 8px; top: 8px; background: #fff; padding: 8px; z-index: 2; }
        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 16px; padding: 6px 16px;
          background: #fff; border-bottom: 1px solid var(--console-rule); }
        .brand { font-weight: 700; font-size: 1.15rem; text-decoration: none; color: var(--console-ink);
          min-height: 44px; display: inline-flex; align-items: center; }
        nav { display: flex; gap: 4px; flex-wrap: wrap; }
        nav a, .lang a { display: inline-flex; align-items: center; min-height: 44px; padding: 0 12px;
          text-decoration: none; border-radius: 6px; }
        nav a[aria-current="page"] { background: #e8f0fe; font-weight: 600; }
        .who { display: flex; align-items: center; gap: 8px; margin-left: auto; color: var(--console-muted); }
        .who form { margin: 0; }
        .lang { display: flex; }
        main { max-width: 1200px; margin: 0 auto; padding: 12px 16px 40px; }
        h1 { font-size: 1.5rem; margin: 12px 0 4px; }
        h2 { font-size: 1.15rem; margin: 24px 0 8px; }
        .intro, .muted, .live { color: var(--console-muted); margin: 0 0 12px; }
        .live::before { content: "●"; color: var(--console-ok); margin-right: 6px; }
        .live.offline::before { color: var(--console-late-bg); }
        button, input, select, textarea { font: inherit; }
        button { min-height: 44px; padding: 0 16px; border-radius: 6px; border: 1px solid var(--console-accent);
          background: var(--console-accent); color: #fff; cursor: pointer; }
        .who button { background: #fff; color: var(--console-accent); }
        input, select, textarea { min-height: 44px; padding: 6px 10px; border: 1px solid var(--console-rule);
          border-radius: 6px; background: #fff; max-width: 100%; }
        label { display: block; font-weight: 600; margin: 12px 0 4px; }
        .filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: flex-end; margin-bottom: 12px; }
        .filters label { margin: 0; font-weight: 400; }
        .filters select, .filters input { display: block; }
        .signin { max-width: 360px; margin: 8vh auto; background: #fff; padding: 16px 24px 24px;
          border: 1px solid var(--console-rule); border-radius: 8px; }
        .signin input { width: 100%; }
        .signin button { width: 100%; margin-top: 20px; }
        .notice, .problem { padding: 10px 14px; border-radius: 6px; }
        .notice { background: var(--console-ok-bg); color: var(--console-ok); }
        .problem { background: #fde7e9; color: #8c1d18; border: 1px solid #b3261e; }
        table.cards { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--console-rule); }
        .cards th, .cards td { padding: 8px 10px; border-bottom: 1px solid var(--console-rule); text-align: left;
          vertical-align: middle; }
        .cards th { background: #eef0f3; font-size: .85rem; }
        .cards .time { white-space: nowrap; font-variant-numeric: tabular-nums; }
        .cards td a { display: inline-flex; align-items: center; min-height: 44px; }
        td.left { font-weight: 600; white-space: nowrap; font-variant-numeric: tabular-nums; }
        .badge { display: inline-block; padding: 2px 8px; border-radius: 4px; font-weight: 700; font-size: .85rem;
          white-space: nowrap; border: 1px solid transparent; }
        .badge.ok { background: var(--console-ok-bg); color: var(--console-ok); border-color: var(--console-ok); }
        .badge.risk { background: var(--console-risk-bg); color: var(--console-risk); border-color: var(--console-risk); }
        .badge.risk::before { content: "⚠"; margin-right: 4px; }
        .badge.late { background: var(--console-late-bg); color: var(--console-late); }
        .badge.late::before { content: "✖"; margin-right: 4px; }
        .badge.none { background: #eef0f3; color: var(--console-muted); }
        tr.row-risk { background: #fff8ec; box-shadow: inset 4px 0 var(--console-risk); }
        tr.row-late { background: #fdecea; box-shadow: inset 4px 0 var(--console-late-bg); }
        tr.row-late td.left { color: #8c1d18; }
        form.ack { display: flex; flex-wrap: wrap; gap: 6px; margin: 0; }
        form.ack input { flex: 1 1 140px; min-width: 0; }
        q.ack-note, q.note { color: var(--console-muted); font-style: italic; }
        .facts { color: var(--console-muted); }
        ol.timeline { list-style: none; padding: 0; margin: 0; background: #fff; border: 1px solid var(--console-rule);
          border-radius: 6px; }
        ol.timeline li { padding: 8px 12px; border-bottom: 1px solid var(--console-rule); border-left: 4px solid var(--console-rule); }
        ol.timeline li:last-child { border-bottom: 0; }
        ol.timeline time { font-variant-numeric: tabular-nums; color: var(--console-muted); margin-right: 8px; }
        ol.timeline .what { font-weight: 600; }
        ol.timeline .who { color: var(--console-muted); }
        ol.timeline li.item-warning { border-left-color: var(--console-risk); }
        ol.timeline li.item-breach { border-left-color: var(--console-late-bg); }
        ol.timeline li.item-acknowledgement { border-left-color: var(--console-ok); }
        form.record { background: #fff; border: 1px solid var(--console-rule); border-radius: 6px; padding: 4px 16px 16px;
          max-width: 560px; }
        form.record textarea, form.record select { width: 100%; }
        form.record button { margin-top: 12px; }
        .empty { padding: 24px; background: #fff; border: 1px dashed var(--console-rule); border-radius: 6px;
          text-align: center; color: var(--console-muted); }
        section.report { background: #fff; border: 1px solid var(--console-rule); border-radius: 6px; padding: 8px 16px;
          overflow-x: auto; }
        @media (max-width: 600px) {
          header.top { padding: 4px 10px; }
          .who { margin-left: 0; width: 100%; justify-content: space-between; }
          main { padding: 8px 10px 32px; }
          table.cards, .cards thead, .cards tbody, .cards tr, .cards td { display: block; width: 100%; }
          table.cards { border: 0; background: transparent; }
          .cards thead { position: absolute; left: -9999px; }
          .cards tr { background: #fff; border: 1px solid var(--console-rule); border-radius: 8px; margin-bottom: 10px;
            padding: 4px 0; }
          .cards td { display: flex; gap: 12px; border-bottom: 0; padding: 4px 12px; align-items: center; }
          .cards td::before { content: attr(data-label); flex: 0 0 38%; color: var(--console-muted); font-size: .85rem;
            font-weight: 400; }
          .cards td form.ack { flex: 1; min-width: 0; }
          .filters { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 6px; }
          .filters label { font-size: .85rem; }
          .filters select, .filters input { width: 100%; }
          .filters button { grid-column: 1 / -1; width: 100%; }
        }

        """

    /// The board counts down every second and, without a reload, takes new rows from the server
    /// whenever an entry is written to the queue (a long poll: the request waits until then).
    static let js = """
        "use strict";
        (function () {
          var board = document.getElementById("board");
          if (!board) { return; }
          var live = document.getElementById("live");
          var skew = Number(board.dataset.now) - Date.now();
          var units = board.dataset.units.split(" ");
          var separator = board.dataset.separator;
          var mark = board.dataset.mark;

          function duration(ms) {
            var s = Math.floor(Math.max(0, ms) / 1000);
            var parts = [[Math.floor(s / 86400), units[0]], [Math.floor(s / 3600) % 24, units[1]],
              [Math.floor(s / 60) % 60, units[2]], [s % 60, units[3]]];
            var first = 0;
            while (first < parts.length && parts[first][0] === 0) { first += 1; }
            if (first === parts.length) { return "0" + units[3]; }
            return parts.slice(first, first + 2).filter(function (p) { return p[0] > 0; })
              .map(function (p) { return p[0] + p[1]; }).join(separator);
          }

          function tick() {
            var now = Date.now() + skew;
            board.querySelectorAll("tr[data-deadline]").forEach(function (row) {
              var left = Number(row.dataset.deadline) - now;
              var cell = row.querySelector(".left");
              if (cell) {
                cell.textContent = left >= 0 ? duration(left) + " " + board.dataset.left
                  : duration(-left) + " " + board.dataset.late;
              }
              if (left < 0 && !row.classList.contains("row-late")) {
                row.className = "row-late";
                var badge = row.querySelector(".badge");
                if (badge) { badge.className = "badge late"; badge.textContent = board.dataset.breached; }
              }
            });
          }

          function online(ok) {
            if (!live) { return; }
            live.classList.toggle("offline", !ok);
            live.textContent = ok ? live.dataset.online : live.dataset.offline;
          }

          function poll() {
            fetch("/console/board/rows?after=" + encodeURIComponent(mark) + "&wait=25",
              { credentials: "same-origin", cache: "no-store" })
              .then(function (response) {
                if (response.status === 401) { window.location.assign("/console/signin"); return null; }
                if (!response.ok) { throw new Error("HTTP " + response.status); }
                mark = response.headers.get("x-slad-mark") || mark;
                var now = Number(response.headers.get("x-slad-now"));
                if (now > 0) { skew = now - Date.now(); }
                return response.text();
              })
              .then(function (html) {
                if (html === null) { return; }
                board.innerHTML = html;
                online(true);
                tick();
                poll();
              })
              .catch(function () { online(false); window.setTimeout(poll, 3000); });
          }

          tick();
          window.setInterval(tick, 1000);
          poll();
        })();

        """
}
