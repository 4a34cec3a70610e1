// Signing an application in this browser with the key made at the SEKAP certificate enrolment
// (certauth keeps it non-extractable in IndexedDB "sekap-keys"). Progressive enhancement: the
// section stays hidden without JavaScript, WebCrypto or a matching key. The server prepares the
// XAdES signature around the certificate and sends the canonical SignedInfo; the browser signs
// it (ECDSA P-256, SHA-256: WebCrypto gives r||s, as XML signatures want) and posts the value.
(function () {
  "use strict";

  function toBase64(bytes) {
    var text = "";
    bytes.forEach(function (b) { text += String.fromCharCode(b); });
    return btoa(text);
  }
  function fromBase64(text) {
    return Uint8Array.from(atob(text), function (c) { return c.charCodeAt(0); });
  }

  function findKey(ids) {
    return new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(null); return; }
      var open = indexedDB.open("sekap-keys", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("keys"); };
      open.onerror = function () { resolve(null); };
      open.onsuccess = function () {
        var db = open.result;
        if (!db.objectStoreNames.contains("keys")) { resolve(null); return; }
        var store = db.transaction("keys", "readonly").objectStore("keys");
        var pending = ids.slice();
        (function next() {
          if (!pending.length) { resolve(null); return; }
          var id = pending.shift();
          var request = store.get(id);
          request.onsuccess = function () {
            var entry = request.result;
            if (entry && entry.keyPair && entry.keyPair.privateKey) {
              resolve({ id: id, privateKey: entry.keyPair.privateKey });
            } else {
              next();
            }
          };
          request.onerror = next;
        })();
      };
    });
  }

  document.addEventListener("DOMContentLoaded", async function () {
    var section = document.getElementById("browser-sign");
    if (!section || !window.crypto || !crypto.subtle) return;
    var ids = (section.dataset.keys || "").split(" ").filter(Boolean);
    if (!ids.length) return;
    var found = await findKey(ids);
    if (!found) return;
    section.hidden = false;
    var form = section.querySelector("form");
    var status = section.querySelector("[role=status]");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      status.textContent = section.dataset.working || "…";
      try {
        var body = new FormData();
        body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
        body.append("action", "start");
        body.append("key_id", found.id);
        var response = await fetch(form.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin" });
        var data = await response.json();
        if (!response.ok) throw new Error(data.detail || response.statusText);
        var value = new Uint8Array(await crypto.subtle.sign(
          { name: "ECDSA", hash: "SHA-256" }, found.privateKey, fromBase64(data.octets)));
        form.elements.signature_value.value = toBase64(value);
        form.elements.key_id.value = found.id;
        form.submit();
      } catch (error) {
        status.textContent = String(error && error.message ? error.message : error);
        button.disabled = false;
      }
    });
  });
})();
