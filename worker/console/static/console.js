// The console works without JavaScript; this only follows a "Sync now" run until it ends.
(function () {
  "use strict";
  var box = document.getElementById("sync-status");
  if (!box || box.dataset.state !== "running") {
    return;
  }

  function describe(job) {
    var text = (job.run_id ? "Run " + job.run_id + ": " : "") + (job.outcome || job.state);
    var counts = Object.keys(job.counts || {}).map(function (name) {
      return name + " " + job.counts[name];
    });
    if (counts.length) {
      text += " — " + counts.join(", ");
    }
    if (job.error) {
      text += ". " + job.error;
    }
    return text;
  }

  function show(job) {
    box.dataset.state = job.state;
    box.className = "sync-status " + job.state;
    // textContent, never innerHTML: what the run reports stays text.
    box.querySelector(".sync-text").textContent = describe(job);
    box.querySelector(".sync-done").hidden = false;
  }

  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (job) {
        if (job.state === "running") {
          window.setTimeout(poll, 500);
        } else {
          show(job);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 2000);
      });
  }

  poll();
}());
