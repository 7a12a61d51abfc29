/*
 * Makes the site work offline: registers the service worker (sw.js at the site root, see
 * tools/sw.js) once the page has settled, so precaching never competes with start-up.
 *
 * When a newer build has been published and its worker is installed, open pages keep the
 * build they came from; a notice offers to switch. "Reload" tells the waiting worker to
 * take over, and every open page of the site reloads when it does, so no page runs on
 * the files of two builds.
 */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) {
    return;
  }
  const workerUrl = new URL("../sw.js", document.currentScript.src);
  const controlled = Boolean(navigator.serviceWorker.controller);

  /** Show the notice that a new build is ready, with a button that switches to it. */
  function offerUpdate(worker) {
    if (document.querySelector(".lr-update")) {
      return;
    }
    const notice = document.createElement("div");
    notice.className = "lr-update";
    notice.setAttribute("role", "status");
    const text = document.createElement("span");
    text.textContent = "A new version of this site is ready.";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "md-button md-button--primary";
    button.textContent = "Reload";
    button.addEventListener("click", () => worker.postMessage("activate-update"));
    notice.append(text, button);
    document.body.append(notice);
  }

  /** Offer the update as soon as a new worker is installed beside the current one
   * (one may already be waiting or installing when this page registers). */
  function watchForUpdates(registration) {
    if (!registration) {
      return;  // registration was stubbed out (e.g. a browser told to block workers)
    }
    const track = (worker) => {
      if (!worker) {
        return;
      }
      const check = () => {
        if (worker.state === "installed" && controlled) {
          offerUpdate(worker);
        }
      };
      worker.addEventListener("statechange", check);
      check();
    };
    track(registration.waiting);
    track(registration.installing);
    registration.addEventListener("updatefound", () => track(registration.installing));
  }

  /** Run start once the page has settled: after the load event, and on a page that runs
   * Python after its first result too (the lr:ready mark), so that precaching the site
   * never slows a first visit down. */
  function whenSettled(start) {
    window.addEventListener("load", () => {
      if (!document.querySelector('script[type="mpy"]') ||
          performance.getEntriesByName("lr:ready").length > 0) {
        start();
        return;
      }
      const observer = new PerformanceObserver((list) => {
        if (list.getEntriesByName("lr:ready").length > 0) {
          observer.disconnect();
          start();
        }
      });
      observer.observe({type: "mark"});
    }, {once: true});
  }

  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (controlled) {
      window.location.reload();
    }
  });
  whenSettled(() => {
    navigator.serviceWorker.register(workerUrl).then(watchForUpdates, (error) => {
      console.warn("offline use is not available:", error.message);
    });
  });
})();
