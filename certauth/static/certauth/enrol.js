// SEKAP certificate enrolment: the browser makes an ECDSA P-256 key pair with WebCrypto,
// keeps the private key non-extractable in IndexedDB and sends only a PKCS#10 request.
// The small DER encoder below covers exactly what a CSR needs.
(function () {
  "use strict";

  function len(n) {
    if (n < 0x80) return [n];
    var out = [];
    while (n > 0) { out.unshift(n & 0xff); n = n >> 8; }
    return [0x80 | out.length].concat(out);
  }
  function tlv(tag, bytes) { return [tag].concat(len(bytes.length), bytes); }
  function seq() { return tlv(0x30, [].concat.apply([], arguments)); }
  function oid(dotted) {
    var parts = dotted.split(".").map(Number);
    var out = [40 * parts[0] + parts[1]];
    parts.slice(2).forEach(function (v) {
      var chunk = [v & 0x7f];
      v = Math.floor(v / 128);
      while (v > 0) { chunk.unshift(0x80 | (v & 0x7f)); v = Math.floor(v / 128); }
      out = out.concat(chunk);
    });
    return tlv(0x06, out);
  }
  function utf8(text) { return Array.from(new TextEncoder().encode(text)); }
  function uint(bytes) {
    var b = Array.from(bytes);
    while (b.length > 1 && b[0] === 0 && b[1] < 0x80) b.shift();
    if (b[0] & 0x80) b.unshift(0);
    return tlv(0x02, b);
  }
  function pem(bytes) {
    var bin = String.fromCharCode.apply(null, bytes);
    var b64 = btoa(bin).match(/.{1,64}/g).join("\n");
    return "-----BEGIN CERTIFICATE REQUEST-----\n" + b64 + "\n-----END CERTIFICATE REQUEST-----\n";
  }

  function storeKey(keyPair, id) {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open("sekap-keys", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("keys"); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var tx = open.result.transaction("keys", "readwrite");
        tx.objectStore("keys").put({ keyPair: keyPair, created: new Date().toISOString() }, id);
        tx.oncomplete = function () { resolve(); };
        tx.onerror = function () { reject(tx.error); };
      };
    });
  }

  async function makeCsr() {
    var algorithm = { name: "ECDSA", namedCurve: "P-256" };
    var pair = await crypto.subtle.generateKey(algorithm, false, ["sign", "verify"]);
    var spki = Array.from(new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey)));
    // The CA takes the subject from the verified account, so the request names nothing.
    var subject = seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0c, utf8("SEKAP")))));
    var info = seq(tlv(0x02, [0]), subject, spki, [0xa0, 0x00]);
    var raw = new Uint8Array(await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" }, pair.privateKey, new Uint8Array(info)));
    var signature = seq(uint(raw.slice(0, 32)), uint(raw.slice(32)));
    var csr = seq(info, seq(oid("1.2.840.10045.4.3.2")), tlv(0x03, [0].concat(signature)));
    var digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(spki)));
    var id = Array.from(digest.slice(0, 16)).map(function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
    await storeKey(pair, id);
    return pem(csr);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("browser-key");
    var form = document.getElementById("csr-form");
    if (!section || !form || !window.crypto || !crypto.subtle || !window.indexedDB) return;
    section.hidden = false;
    var status = document.getElementById("browser-key-status");
    document.getElementById("generate-key").addEventListener("click", async function (event) {
      event.target.disabled = true;
      status.textContent = section.dataset.working || "…";
      try {
        form.querySelector("[name=csr]").value = await makeCsr();
        form.querySelector("[name=origin]").value = "browser";
        form.submit();
      } catch (error) {
        status.textContent = String(error);
        event.target.disabled = false;
      }
    });
  });
})();
