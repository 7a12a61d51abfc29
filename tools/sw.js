/*
 * The site's service worker: after one visit every page and every calculator works with
 * the network off, and a newly published build replaces the old one in one piece.
 *
 * build.py copies this file to dist/sw.js and fills MANIFEST with the build's version (a
 * hash of every file's contents) and every file's path (relative to the site root, where
 * sw.js sits) with its SHA-256 in Subresource-Integrity form.
 *
 * - install: fetch every file past the HTTP cache, each checked against its hash, into a
 *   cache named after the version. A server already holding another build fails the
 *   check, the install is abandoned, and the pages keep the build they have.
 * - fetch: same-origin GETs are answered from this version's cache only (cache first);
 *   what is not in it goes to the network.
 * - update: a new version waits (the default service worker life cycle), so open pages
 *   keep being served by the build they came from. assets/offline.js offers a reload;
 *   on "activate-update" the new version takes over, every open page reloads, and the
 *   old version's cache is deleted. No page is ever served runtime files of another build.
 */
"use strict";

const MANIFEST = {"version": "", "files": {}};

const CACHE_PREFIX = "lr-site-";
const CACHE = CACHE_PREFIX + MANIFEST.version;
const ROOT = new URL("./", self.location.href).href;

self.addEventListener("install", (event) => {
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(dropOtherVersions());
});

self.addEventListener("message", (event) => {
  if (event.data === "activate-update") {
    self.skipWaiting();
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method === "GET" && request.url.startsWith(ROOT)) {
    event.respondWith(answer(request));
  }
});

/** Fetch and verify every file of this build into its cache; all or nothing. */
async function precache() {
  const cache = await caches.open(CACHE);
  try {
    await Promise.all(Object.entries(MANIFEST.files).map(async ([path, integrity]) => {
      const url = new URL(path, ROOT).href;
      const response = await fetch(new Request(url, {cache: "reload", integrity}));
      if (!response.ok) {
        throw new Error("precache: " + response.status + " for " + url);
      }
      await cache.put(url, response);
    }));
  } catch (error) {
    await caches.delete(CACHE);
    throw error;
  }
}

/** Delete the caches of every other build of this site. */
async function dropOtherVersions() {
  const names = await caches.keys();
  await Promise.all(names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
    .map((name) => caches.delete(name)));
}

/** The cache key of a request: its URL without query or fragment, and a directory URL
 * mapped to the index.html that the server would answer with. */
function keyOf(request) {
  const url = new URL(request.url);
  url.search = "";
  url.hash = "";
  if (url.pathname.endsWith("/")) {
    url.pathname += "index.html";
  }
  return url.href;
}

/** This build's copy if it has one; else the network; a page that is in neither gets the
 * site's own 404 page. */
async function answer(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(keyOf(request));
  if (hit) {
    return hit;
  }
  try {
    return await fetch(request);
  } catch (error) {
    const missing = request.mode === "navigate" && await cache.match(ROOT + "404.html");
    if (!missing) {
      throw error;
    }
    return new Response(missing.body, {status: 404, headers: missing.headers});
  }
}
