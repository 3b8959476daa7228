/*
 * Kesu: a Web Worker stand-in for pages opened from file://.
 *
 * Browsers refuse `new Worker(url)` on file:// pages, which would leave the site search dead
 * when the built site is opened from a folder or a zip. This script replaces `window.Worker`
 * (on file:// only) with a small class that runs the worker script inside a hidden, same-origin
 * iframe and passes messages both ways. It is loaded before Material's bundle (extra.polyfills)
 * and makes no network request; it exists so that no CDN shim is ever needed.
 */
(function () {
  "use strict"
  if (location.protocol !== "file:" || typeof window.IFrameWorker !== "undefined")
    return

  function IFrameWorker(url) {
    var target = document.createDocumentFragment()
    var self = this
    var queue = []
    var ready = false
    this.onmessage = null
    this.onerror = null
    this.addEventListener = target.addEventListener.bind(target)
    this.removeEventListener = target.removeEventListener.bind(target)
    this.dispatchEvent = function (ev) {
      var handler = ev.type === "message" ? self.onmessage : self.onerror
      if (typeof handler === "function")
        handler.call(self, ev)
      return target.dispatchEvent(ev)
    }

    var iframe = document.createElement("iframe")
    iframe.setAttribute("aria-hidden", "true")
    iframe.setAttribute("tabindex", "-1")
    iframe.style.display = "none"
    ;(document.body || document.documentElement).appendChild(iframe)
    var inner = iframe.contentWindow
    this._iframe = iframe

    /* The worker's postMessage goes to the page, asynchronously like a real worker's. */
    inner.postMessage = function (data) {
      setTimeout(function () {
        self.dispatchEvent(new MessageEvent("message", { data: data }))
      }, 0)
    }

    /* importScripts loads in order and returns a promise (Material awaits it). */
    inner.importScripts = function () {
      var urls = Array.prototype.slice.call(arguments)
      return urls.reduce(function (done, src) {
        return done.then(function () {
          return new Promise(function (resolve, reject) {
            var script = inner.document.createElement("script")
            script.src = new URL(src, self._url).href
            script.onload = function () { resolve() }
            script.onerror = function () { reject(new Error("cannot load " + src)) }
            inner.document.body.appendChild(script)
          })
        })
      }, Promise.resolve())
    }

    this._url = new URL(url, location.href).href
    this._deliver = function (data) {
      inner.dispatchEvent(new inner.MessageEvent("message", { data: data }))
    }
    this._post = function (data) {
      if (ready) self._deliver(data)
      else queue.push(data)
    }

    var script = inner.document.createElement("script")
    script.src = this._url
    script.onload = function () {
      ready = true
      queue.splice(0).forEach(self._deliver)
    }
    script.onerror = function () {
      self.dispatchEvent(new ErrorEvent("error", { message: "cannot load " + url }))
    }
    inner.document.body.appendChild(script)
  }

  IFrameWorker.prototype.postMessage = function (data) {
    var post = this._post
    setTimeout(function () { post(data) }, 0)
  }

  IFrameWorker.prototype.terminate = function () {
    if (this._iframe.parentNode)
      this._iframe.parentNode.removeChild(this._iframe)
  }

  window.IFrameWorker = IFrameWorker
  window.Worker = IFrameWorker
})()
