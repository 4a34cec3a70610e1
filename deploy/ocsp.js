// OCSP POSTs answered from the pre-signed files (njs, included by deploy/nginx-ocsp.conf).
//
// certauth/services/ocsp_presign.py names each certificate's file by the base64 of the RFC 5019
// request for it: one SHA-1 CertID, no nonce, no other extension, in DER. That is its GET path,
// and the body of a POST for the same request, byte for byte: so the file of a POST is found
// from its body without parsing it. A body that is not exactly such a request (a nonce, which
// must be echoed, several CertIDs, SHA-256, a signature, another encoding) or a certificate
// without a file finds nothing and goes to Django's responder, which answers everything.
import fs from 'fs';

const LONGEST = 512; // an RFC 5019 request is under 150 bytes

function post(r) {
    const body = r.requestBuffer;
    if (r.method === 'POST' && body && body.length > 0 && body.length <= LONGEST) {
        let response = null;
        try {
            const name = body.toString('base64');
            response = fs.readFileSync(`${r.variables.document_root}${r.uri}/${name}`);
        } catch (e) {
            // not pre-signed: Django answers
        }
        if (response !== null) {
            r.headersOut['Content-Type'] = 'application/ocsp-response';
            r.return(200, response);
            return;
        }
    }
    r.internalRedirect('@ocsp_django');
}

export default { post };
