# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read, order and check the PEM bundle HAProxy loads: private key, server certificate,
intermediate CA certificates, root CA certificate, optionally DH parameters.

HAProxy starts with many broken bundles and serves the broken chain, so the checks here are
stricter than HAProxy and than cryptography's own PEM reader (which skips unknown blocks and
accepts glued lines); the text is therefore split here, and each block parsed by cryptography.

Public API:
  split_pem(text)        -> PemSplit(blocks, errors, warnings)
  check_bundle(text,...) -> report dict {ok, errors, warnings, blocks, not_after,
                            days_until_expiry, summary}
  order_chain(leaf, pool)-> the pool ordered from the leaf's issuer up to the root
  build_bundle(...)      -> (bundle text or None, report) from a key, a certificate and a chain
  outline(text)          -> one line per block, public data only (for diffs)
"""

from __future__ import annotations

import base64
import binascii
import collections
import datetime
import ipaddress
import re
import traceback
import warnings

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

CERTIFICATE = "CERTIFICATE"
DH_PARAMETERS = "DH PARAMETERS"
ENCRYPTED_KEY = "ENCRYPTED PRIVATE KEY"
# PKCS#8 first, then the PKCS#1 / SEC1 ("traditional") headers OpenSSL writes.
KEY_LABELS = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", ENCRYPTED_KEY)
# Blocks people paste by mistake, with what to do instead.
MISPLACED = {
    "TRUSTED CERTIFICATE": "is in OpenSSL's trusted-certificate format, which HAProxy does not "
                           "load as a chain certificate: convert it with "
                           "`openssl x509 -in cert.pem -out plain.pem` and use that",
    "CERTIFICATE REQUEST": "is a certificate signing request (CSR), not a certificate: replace it "
                           "with the certificate the CA issued for it",
    "NEW CERTIFICATE REQUEST": "is a certificate signing request (CSR), not a certificate: "
                               "replace it with the certificate the CA issued for it",
}
ENCRYPTED_FIX = ("is encrypted; HAProxy before 3.3 cannot ask for a passphrase: decrypt it with "
                 "`openssl pkey -in key.pem -out key-plain.pem` and use the decrypted key")
# OpenSSL security level 2, Debian's default: 112-bit security ("ee/ca key too small").
MIN_RSA_BITS = 2048
MIN_EC_BITS = 224
# Refused below the root by OpenSSL at security level 1 and up ("ca md too weak").
WEAK_HASHES = ("md5", "sha1")

_MARKER = re.compile(r"-----(?:BEGIN|END) [^-]*-----")
_BEGIN = re.compile(r"-----BEGIN ([^-]+)-----")
_END = re.compile(r"-----END ([^-]+)-----")
_BASE64 = re.compile(r"[A-Za-z0-9+/=]+")
# RFC 1421 headers, which only legacy encrypted keys still carry ("Proc-Type: 4,ENCRYPTED").
_HEADER = re.compile(r"[A-Za-z][A-Za-z-]*: ")

PemSplit = collections.namedtuple("PemSplit", "blocks errors warnings")


class PemBlock:
    """One BEGIN/END block: its position, label, DER body and the object cryptography made of it.

    der is None when the text of the block is broken (the split reported why); problem says why
    cryptography could not load an intact block.
    """

    def __init__(self, index, label, line, der, encrypted=False):
        self.index = index
        self.label = label
        self.line = line
        self.der = der
        self.obj = None
        self.problem = None
        if der is not None:
            self.obj, self.problem = _load(label, self.pem, encrypted)

    @property
    def pem(self):
        body = base64.b64encode(self.der).decode("ascii")
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        return "-----BEGIN {0}-----\n{1}\n-----END {0}-----\n".format(self.label, "\n".join(lines))

    @property
    def cert(self):
        return self.obj if self.label == CERTIFICATE else None

    @property
    def key(self):
        return self.obj if self.label in KEY_LABELS else None

    def describe(self):
        """The name messages use: 'block 3 (CERTIFICATE, subject CN=Example Intermediate)'."""
        detail = self.label
        if self.cert is not None:
            detail += ", subject " + _name(self.cert.subject)
        elif self.key is not None:
            detail += ", " + _key_description(self.key.public_key())
        return "block {0} ({1})".format(self.index, detail)


def _load(label, pem, encrypted):
    """Return (object, problem) for one block; labels that are not loaded give (None, None)."""
    data = pem.encode("ascii")
    try:
        if label == CERTIFICATE:
            return x509.load_pem_x509_certificate(data), None
        if label in KEY_LABELS:
            if encrypted or label == ENCRYPTED_KEY:
                return None, ENCRYPTED_FIX
            return serialization.load_pem_private_key(data, password=None), None
        if label == DH_PARAMETERS:
            # cryptography deprecates finite-field DH, but HAProxy still reads these parameters.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return serialization.load_pem_parameters(data), None
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        return None, "cannot be loaded ({0}): export it again from its source".format(exc)
    return None, None


class _Reading:
    """A block whose END line has not been seen yet."""

    def __init__(self, index, label, line):
        self.index = index
        self.label = label
        self.line = line
        self.body = []
        self.headers = []
        self.broken = False

    def describe(self):
        return "block {0} ({1}, from line {2})".format(self.index, self.label, self.line)

    def finish(self, errors):
        der = None
        if not self.broken:
            try:
                der = base64.b64decode("".join(self.body), validate=True)
            except binascii.Error as exc:
                errors.append("{0}: the base64 body does not decode ({1}); it was damaged, "
                              "copy it again from its source".format(self.describe(), exc))
            else:
                if not der:
                    errors.append("{0} is empty: remove it or paste its content".format(self.describe()))
                    der = None
        encrypted = any(h.startswith("Proc-Type: 4,ENCRYPTED") for h in self.headers)
        return PemBlock(self.index, self.label, self.line, der, encrypted)


def _segments(line):
    """Cut a line at PEM boundaries: more than one segment means glued text."""
    parts, pos = [], 0
    for match in _MARKER.finditer(line):
        if match.start() > pos:
            parts.append(line[pos:match.start()])
        parts.append(match.group())
        pos = match.end()
    if pos < len(line) or not parts:
        parts.append(line[pos:])
    return parts


def _segment_kind(segment):
    """A segment as an error names it: PEM lines by their label, anything else by its size only,
    since it may be part of a private key."""
    if _BEGIN.fullmatch(segment) or _END.fullmatch(segment):
        return repr(segment)
    return "{0} character(s) of other text".format(len(segment.strip()))


def _not_base64_fix(segment):
    if "\\n" in segment:
        return ("it holds literal \\n sequences where line breaks belong (a value stored with "
                "escaped newlines): turn them into real line breaks")
    if " " in segment.strip():
        return ("delete the line; if the line breaks of the PEM text were turned into blanks (a "
                "copy through a form or a secret store), paste the PEM file again")
    return "delete the line or paste the block again"


def split_pem(text):
    """Split PEM text into blocks, strictly: what HAProxy might misread is an error.

    A leading BOM, CRLF line ends and trailing blanks are accepted (OpenSSL ignores them);
    text outside the blocks is a warning. Returns PemSplit(blocks, errors, warnings).
    """
    errors, warns, blocks = [], [], []
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").split("\n")
    nul_lines = [n for n, line in enumerate(lines, 1) if "\x00" in line]
    if nul_lines:
        errors.append("line {0}: NUL bytes (on {1} line(s)): this is a binary or UTF-16 file, not "
                      "PEM text: save it as ASCII, or convert DER with `openssl x509 -inform DER`"
                      .format(nul_lines[0], len(nul_lines)))
    current, outside = None, []
    for number, raw in enumerate(lines, 1):
        if "\x00" in raw:
            if current is not None:
                current.broken = True
            continue
        line = raw.rstrip(" \t")
        stripped = line.lstrip(" \t")
        if stripped != line and (current is not None or _MARKER.search(line)):
            errors.append("line {0}: indented; PEM lines must start in the first column: remove "
                          "the leading blanks".format(number))
            if current is not None:
                current.broken = True
        segments = _segments(stripped)
        if len(segments) > 1:
            errors.append("line {0}: glued PEM text: {1} share one line (a missing newline, often "
                          "from concatenating files without a final newline, or line breaks "
                          "turned into blanks by a copy): put a line break between them"
                          .format(number, " and ".join(_segment_kind(s) for s in segments)))
            if current is not None or any(_BEGIN.fullmatch(s) for s in segments):
                # The rest of this line is read as the block's body: one error is enough.
                if current is not None:
                    current.broken = True
                segments = [s for s in segments if _BEGIN.fullmatch(s) or _END.fullmatch(s)]
        for segment in segments:
            begin, end = _BEGIN.fullmatch(segment), _END.fullmatch(segment)
            if current is None:
                if begin:
                    current = _Reading(len(blocks) + 1, begin.group(1), number)
                elif end:
                    errors.append("line {0}: '{1}' without a BEGIN line: add the missing beginning "
                                  "of the block or remove the line".format(number, segment))
                elif segment:
                    outside.append(number)
            elif end:
                if end.group(1) != current.label:
                    errors.append("line {0}: {1} ends with '{2}': BEGIN and END labels must match"
                                  .format(number, current.describe(), segment))
                    current.broken = True
                blocks.append(current.finish(errors))
                current = None
            elif begin:
                errors.append("line {0}: {1} has no END line before the next BEGIN line: add "
                              "'-----END {2}-----'".format(number, current.describe(), current.label))
                current.broken = True
                blocks.append(current.finish(errors))
                current = _Reading(len(blocks) + 1, begin.group(1), number)
            elif not segment:
                # Legacy encrypted keys separate their headers from the body with one blank line.
                if not (current.headers and not current.body):
                    errors.append("line {0}: blank line inside {1}: delete it"
                                  .format(number, current.describe()))
                    current.broken = True
            elif _HEADER.match(segment) and current.label in KEY_LABELS and not current.body:
                current.headers.append(segment)
            elif _BASE64.fullmatch(segment):
                current.body.append(segment)
            else:
                errors.append("line {0}: {1} inside {2} is not base64 (the text is not "
                              "quoted here, it may be key material): {3}"
                              .format(number, _segment_kind(segment), current.describe(),
                                      _not_base64_fix(segment)))
                current.broken = True
    if current is not None:
        errors.append("{0} has no END line: the text is truncated; add '-----END {1}-----' or "
                      "copy the block again".format(current.describe(), current.label))
        current.broken = True
        blocks.append(current.finish(errors))
    if outside:
        warns.append("text outside the PEM blocks (line {0}) is ignored by HAProxy and left out "
                     "of the bundle the module writes".format(_line_list(outside)))
    return PemSplit(blocks, errors, warns)


def _line_list(numbers):
    shown = ", ".join(str(n) for n in numbers[:5])
    return shown + (", ..." if len(numbers) > 5 else "")


# --- helpers on parsed objects -------------------------------------------------------------

def _name(name):
    return name.rfc4514_string() or "(empty)"


def _key_description(public_key):
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA {0}-bit".format(public_key.key_size)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "EC {0}".format(public_key.curve.name)
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448"
    return type(public_key).__name__


def _spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def _fingerprint(data):
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return ":".join("{0:02X}".format(b) for b in digest.finalize())


def _validity(cert):
    # not_valid_*_utc came with cryptography 42; Debian 12 ships 38.
    try:
        return cert.not_valid_before_utc, cert.not_valid_after_utc
    except AttributeError:
        utc = datetime.timezone.utc
        return cert.not_valid_before.replace(tzinfo=utc), cert.not_valid_after.replace(tzinfo=utc)


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _signature_hash(cert):
    try:
        return cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return None


def _has_weak_hash(cert):
    algorithm = _signature_hash(cert)
    return algorithm is not None and algorithm.name in WEAK_HASHES


def _verify_by_hand(cert, issuer):
    """Signature check for cryptography < 40, which lacks verify_directly_issued_by."""
    public_key = issuer.public_key()
    algorithm = _signature_hash(cert)
    if isinstance(public_key, rsa.RSAPublicKey) and algorithm is not None:
        public_key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), algorithm)
    elif isinstance(public_key, ec.EllipticCurvePublicKey) and algorithm is not None:
        public_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(algorithm))
    elif isinstance(public_key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        public_key.verify(cert.signature, cert.tbs_certificate_bytes)
    else:
        raise ValueError("unsupported signature algorithm")


def _signature_problem(cert, issuer):
    """None when issuer's key signed cert (or when only a weak hash, reported apart, prevents
    checking); otherwise why not."""
    try:
        if hasattr(cert, "verify_directly_issued_by"):
            cert.verify_directly_issued_by(issuer)
        else:
            _verify_by_hand(cert, issuer)
    except InvalidSignature:
        return "signature"
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        if _has_weak_hash(cert):
            return None
        return "cannot be checked ({0})".format(exc)
    return None


def _issued_by(cert, issuer):
    return cert.issuer == issuer.subject and _signature_problem(cert, issuer) is None


def _extension(cert, kind):
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _dns_name_covers(pattern, name):
    """RFC 6125: exact match, or one wildcard as the whole left-most label."""
    pattern, name = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if pattern.startswith("*."):
        suffix = pattern[1:]
        head, _dot, rest = name.partition(".")
        return bool(head and rest) and "." + rest == suffix and "*" not in suffix
    return pattern == name


def _san_covers(san, server_name):
    try:
        address = ipaddress.ip_address(server_name)
    except ValueError:
        return any(_dns_name_covers(p, server_name) for p in san.get_values_for_type(x509.DNSName))
    return address in san.get_values_for_type(x509.IPAddress)


def _san_names(cert):
    san = _extension(cert, x509.SubjectAlternativeName)
    if san is None:
        return []
    return ([str(v) for v in san.get_values_for_type(x509.DNSName)]
            + [str(v) for v in san.get_values_for_type(x509.IPAddress)])


# --- the checks ----------------------------------------------------------------------------

def _check_inventory(blocks):
    errors = []
    keys = [b for b in blocks if b.label in KEY_LABELS]
    certs = [b for b in blocks if b.label == CERTIFICATE]
    if not keys:
        errors.append("no private key: put the server's private key first in the bundle")
    elif keys[0].index != 1:
        errors.append("{0} must be the first block (order: key, server certificate, "
                      "intermediates, root): move it to the top".format(keys[0].describe()))
    for extra in keys[1:]:
        errors.append("{0} is a second private key; a bundle holds one: remove it and keep the "
                      "key of the server certificate".format(extra.describe()))
    if not certs:
        errors.append("no certificate: add the server certificate after the key, then its "
                      "intermediates and root")
    last_cert = certs[-1].index if certs else 0
    seen = {}
    for block in blocks:
        if block.label == DH_PARAMETERS and block.index < last_cert:
            errors.append("{0} comes before block {1}: DH parameters go after all certificates; "
                          "move them to the end".format(block.describe(), last_cert))
        elif block.label in MISPLACED:
            errors.append("{0} {1}".format(block.describe(), MISPLACED[block.label]))
        elif block.label not in KEY_LABELS + (CERTIFICATE, DH_PARAMETERS):
            errors.append("{0} does not belong in a HAProxy bundle (key, certificates, optional DH "
                          "parameters): remove it".format(block.describe()))
        elif block.label == CERTIFICATE and block.der is not None:
            if block.der in seen:
                errors.append("{0} is a copy of block {1}: remove it"
                              .format(block.describe(), seen[block.der]))
            seen.setdefault(block.der, block.index)
    return errors


def _check_key(key, certs):
    """The key must be the one of the first certificate, the server certificate."""
    leaf = certs[0]
    key_spki = _spki(key.key.public_key())
    if key_spki == _spki(leaf.cert.public_key()):
        return []
    owner = next((b for b in certs if _spki(b.cert.public_key()) == key_spki), None)
    if owner is not None:
        return ["{0} belongs to {1}, not to the first certificate, {2}: use the key of the "
                "server certificate, and put that certificate right after the key".format(
                    key.describe(), owner.describe(), leaf.describe())]
    return ["{0} does not match {1} (public key SHA-256 {2}, certificate's {3}): use the key the "
            "certificate was requested with, or the certificate issued for this key".format(
                key.describe(), leaf.describe(), _fingerprint(key_spki),
                _fingerprint(_spki(leaf.cert.public_key())))]


def _check_issued_by(child, parent, certs):
    """child must be issued by parent, by name and by signature, and parent must be a CA."""
    issuer = _name(child.cert.issuer)
    if parent.cert.subject != child.cert.issuer:
        holder = next((b for b in certs if b.cert.subject == child.cert.issuer and b is not child), None)
        if holder is not None:
            return ["{0} is followed by {1}, but its issuer is {2}: put block {3} right after "
                    "block {4} (leaf first, then each issuer, root last)".format(
                        child.describe(), parent.describe(), holder.describe(), holder.index,
                        child.index)]
        return ["{0} was issued by '{1}', which is not in the bundle ({2} follows it): the "
                "intermediate '{1}' is missing, or the chain belongs to another CA. Add the '{1}' "
                "certificate from the CA that issued block {3}, then its issuers up to the root"
                .format(child.describe(), issuer, parent.describe(), child.index)]
    errors = []
    problem = _signature_problem(child.cert, parent.cert)
    if problem == "signature":
        errors.append("{0} has the name of the issuer of {1} but not its key: the signature of "
                      "block {2} does not verify with it. It is another certificate with the same "
                      "name (a re-keyed or replaced CA): use the '{3}' certificate of the CA that "
                      "issued block {2}".format(parent.describe(), child.describe(), child.index,
                                                issuer))
    elif problem:
        errors.append("{0}: the signature by {1} {2}".format(child.describe(), parent.describe(),
                                                             problem))
    constraints = _extension(parent.cert, x509.BasicConstraints)
    if constraints is None or not constraints.ca:
        errors.append("{0} issued {1} but is not a CA (no basicConstraints CA:TRUE), so clients "
                      "reject what it signed: the issuer must be your CA's intermediate "
                      "certificate".format(parent.describe(), child.describe()))
    usage = _extension(parent.cert, x509.KeyUsage)
    if usage is not None and not usage.key_cert_sign:
        errors.append("{0} issued {1} but its keyUsage lacks keyCertSign, so clients reject what "
                      "it signed: get a CA certificate that may sign certificates"
                      .format(parent.describe(), child.describe()))
    return errors


def _check_chain(certs):
    errors, warns = [], []
    for child, parent in zip(certs, certs[1:]):
        if child.cert.subject == child.cert.issuer:
            errors.append("{0} is a self-signed root but not the last certificate: move it to the "
                          "end, or remove what follows it if that is not part of this chain"
                          .format(child.describe()))
        else:
            errors.extend(_check_issued_by(child, parent, certs))
    last = certs[-1]
    if last.cert.subject != last.cert.issuer:
        errors.append("the bundle ends with {0}, which is not a self-signed root: append the root "
                      "CA certificate '{1}'".format(last.describe(), _name(last.cert.issuer)))
    elif len(certs) == 1:
        errors.append("{0} is self-signed and alone: clients trust only certificates a CA issued; "
                      "use such a certificate, followed by its intermediates and root"
                      .format(last.describe()))
    elif len(certs) == 2:
        warns.append("no intermediate CA certificate: the root signed {0} directly; fine for a "
                     "private CA, but public CAs always use an intermediate"
                     .format(certs[0].describe()))
    return errors, warns


def _check_dates(cert, now, warning_days):
    not_before, not_after = _validity(cert.cert)
    if now < not_before:
        return ["{0} is not valid before {1}: wait, or check this host's clock"
                .format(cert.describe(), _iso(not_before))], []
    if now > not_after:
        return ["{0} expired on {1}: renew it".format(cert.describe(), _iso(not_after))], []
    if not_after - now < datetime.timedelta(days=warning_days):
        return [], ["{0} expires on {1}, in {2} day(s): renew it soon"
                    .format(cert.describe(), _iso(not_after), (not_after - now).days)]
    return [], []


def _check_strength(cert):
    errors = []
    public_key = cert.cert.public_key()
    if ((isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size < MIN_RSA_BITS)
            or (isinstance(public_key, ec.EllipticCurvePublicKey)
                and public_key.curve.key_size < MIN_EC_BITS)):
        errors.append("{0} has a {1} key, which OpenSSL refuses ('key too small'): reissue it with "
                      "an RSA key of at least 2048 bits or an EC P-256 key"
                      .format(cert.describe(), _key_description(public_key)))
    # A root's self-signature is never checked, so only certificates below it matter.
    if cert.cert.subject != cert.cert.issuer and _has_weak_hash(cert.cert):
        errors.append("{0} is signed with {1}, which OpenSSL refuses ('ca md too weak'): have it "
                      "reissued with SHA-256".format(cert.describe(),
                                                     _signature_hash(cert.cert).name.upper()))
    return errors


# What browsers and the CA/Browser Forum accept for a public TLS server (see the haproxy README,
# "What public clients refuse"): NIST curves only, no DSA or EdDSA leaf, at most 398 days.
PUBLIC_CURVES = ("secp256r1", "secp384r1", "secp521r1")
MAX_PUBLIC_VALIDITY_DAYS = 398


def _check_public_use(leaf, certs):
    """Errors for what public clients refuse in the server certificate and the CAs above it,
    warnings for what only some refuse."""
    errors, warns = [], []
    key = leaf.cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name not in PUBLIC_CURVES:
        errors.append("{0} has a key on the curve {1}, which browsers do not accept for TLS: reissue it "
                      "with a P-256 or P-384 key, or RSA of 2048 bits or more".format(leaf.describe(), key.curve.name))
    elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        errors.append("{0} has an EdDSA key, which browsers do not accept in TLS server certificates: "
                      "reissue it with a P-256 key or RSA".format(leaf.describe()))
    elif not isinstance(key, (ec.EllipticCurvePublicKey, rsa.RSAPublicKey)):
        errors.append("{0} has a {1} key, which TLS clients refuse: reissue it with a P-256 key or RSA"
                      .format(leaf.describe(), _key_description(key)))
    basic = _extension(leaf.cert, x509.BasicConstraints)
    if basic is not None and basic.ca:
        errors.append("{0} is a CA certificate (basicConstraints CA:TRUE), which clients refuse as a "
                      "server certificate: put the server certificate the CA issued for the name "
                      "in its place".format(leaf.describe()))
    usage = _extension(leaf.cert, x509.ExtendedKeyUsage)
    if usage is not None and not ({x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                                   x509.oid.ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE} & set(usage)):
        errors.append("{0} is not for TLS servers: its extendedKeyUsage lacks serverAuth, so clients "
                      "refuse it; reissue it with serverAuth (a TLS web server certificate)"
                      .format(leaf.describe()))
    key_usage = _extension(leaf.cert, x509.KeyUsage)
    if key_usage is not None and not (key_usage.digital_signature or (
            isinstance(key, rsa.RSAPublicKey) and key_usage.key_encipherment)):
        errors.append("{0} has a keyUsage without digitalSignature, so TLS clients cannot use its key: "
                      "reissue it with digitalSignature".format(leaf.describe()))
    not_before, not_after = _validity(leaf.cert)
    days = (not_after - not_before).days
    if days > MAX_PUBLIC_VALIDITY_DAYS:
        warns.append("{0} is valid for {1} days; browsers refuse publicly trusted server certificates "
                     "valid for more than {2} days (a private CA's are accepted): if this one is public, "
                     "reissue it for a shorter time".format(leaf.describe(), days, MAX_PUBLIC_VALIDITY_DAYS))
    # pathLenConstraint: how many CA certificates may follow below a CA on the path to the leaf.
    cas = certs[1:]
    for position, ca in enumerate(cas):
        constraint = _extension(ca.cert, x509.BasicConstraints)
        below = sum(1 for other in cas[:position] if other.cert.subject != other.cert.issuer)
        if constraint is not None and constraint.path_length is not None and below > constraint.path_length:
            errors.append("{0} allows {1} CA certificate(s) below it (pathLenConstraint) but the chain has "
                          "{2}: clients refuse the path; use the chain the CA publishes for this "
                          "certificate".format(ca.describe(), constraint.path_length, below))
        ca_usage = _extension(ca.cert, x509.ExtendedKeyUsage)
        if ca_usage is not None and not ({x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                                          x509.oid.ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE} & set(ca_usage)):
            warns.append("{0} limits its extendedKeyUsage to purposes without serverAuth; browsers that "
                         "enforce it on the chain refuse the server certificate".format(ca.describe()))
    return errors, warns


def _check_name(leaf, server_name):
    san = _extension(leaf.cert, x509.SubjectAlternativeName)
    if san is None:
        return ["{0} has no subjectAltName; clients ignore the subject CN, so none accepts it: "
                "reissue it with the host names in subjectAltName".format(leaf.describe())]
    if server_name is None or _san_covers(san, server_name):
        return []
    names = ", ".join(_san_names(leaf.cert)) or "nothing"
    return ["{0} does not cover server_name '{1}': its subjectAltName lists {2}; reissue it for "
            "'{1}' or correct server_name".format(leaf.describe(), server_name, names)]


def _unique_certificates(blocks):
    certs, seen = [], set()
    for block in blocks:
        if block.cert is not None and block.der not in seen:
            seen.add(block.der)
            certs.append(block)
    return certs


def _role(block, certs):
    if block.label in KEY_LABELS:
        return "private_key"
    if block.label == DH_PARAMETERS:
        return "dh_parameters"
    if block not in certs:
        return "other"
    if block is certs[0]:
        return "leaf"
    if block is certs[-1] and block.cert.subject == block.cert.issuer:
        return "root"
    return "intermediate"


def _block_info(block, role):
    """Public facts about a block; for a key, only its public half."""
    info = {"index": block.index, "line": block.line, "kind": block.label, "role": role,
            "subject": None, "issuer": None, "not_after": None, "sha256_fingerprint": None,
            "public_key": None, "san": []}
    if block.cert is not None:
        info.update(subject=_name(block.cert.subject), issuer=_name(block.cert.issuer),
                    not_after=_iso(_validity(block.cert)[1]), san=_san_names(block.cert),
                    sha256_fingerprint=_fingerprint(block.der),
                    public_key=_key_description(block.cert.public_key()))
    elif block.key is not None:
        public_key = block.key.public_key()
        info.update(public_key=_key_description(public_key),
                    sha256_fingerprint=_fingerprint(_spki(public_key)))
    return info


def _summary(infos, first_expiry, days):
    leaf = next((i for i in infos if i["role"] == "leaf"), None)
    if leaf is None:
        return None
    key = next((i for i in infos if i["role"] == "private_key"), None)
    root = next((i for i in infos if i["role"] == "root"), None)
    parts = ["{0} key".format(key["public_key"]) if key and key["public_key"] else "no usable key",
             "leaf {0} ({1})".format(leaf["subject"], ", ".join(leaf["san"]) or "no SAN"),
             "{0} intermediate(s)".format(sum(i["role"] == "intermediate" for i in infos)),
             "root {0}".format(root["subject"]) if root else "no root"]
    return "{0}; first expiry {1}, in {2} day(s)".format(", ".join(parts), first_expiry, days)


def check_bundle(text, server_name=None, expiry_warning_days=30, now=None):
    """Check a whole bundle. Returns a dict:

    ok (bool), errors and warnings (lists of str naming the block, the fault and the fix),
    blocks (list of dicts, public data only), not_after and days_until_expiry (of the first
    certificate to expire, or None), summary (str or None).
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    split = split_pem(text)
    blocks = split.blocks
    errors, warns = list(split.errors), list(split.warnings)
    errors += ["{0} {1}".format(b.describe(), b.problem) for b in blocks if b.problem]
    errors += _check_inventory(blocks)
    certs = _unique_certificates(blocks)
    keys = [b for b in blocks if b.key is not None]
    if keys and certs:
        errors += _check_key(keys[0], certs)
    if certs and all(b.cert is not None for b in blocks if b.label == CERTIFICATE):
        chain_errors, chain_warnings = _check_chain(certs)
        errors += chain_errors
        warns += chain_warnings
    for cert in certs:
        date_errors, date_warnings = _check_dates(cert, now, expiry_warning_days)
        errors += date_errors + _check_strength(cert)
        warns += date_warnings
    if certs:
        errors += _check_name(certs[0], server_name)
        use_errors, use_warnings = _check_public_use(certs[0], certs)
        errors += use_errors
        warns += use_warnings
    infos = [_block_info(b, _role(b, certs)) for b in blocks]
    first_expiry = min((_validity(c.cert)[1] for c in certs), default=None)
    days = None if first_expiry is None else (first_expiry - now).days
    not_after = None if first_expiry is None else _iso(first_expiry)
    return {"ok": not errors, "errors": errors, "warnings": warns, "blocks": infos,
            "not_after": not_after, "days_until_expiry": days,
            "summary": _summary(infos, not_after, days)}


def order_chain(leaf, pool):
    """Order pool (certificate blocks) from the issuer of leaf up to the root.

    Where the path breaks (a missing intermediate), the rest is ordered the same way from its
    lowest certificate, so the checks report the gap itself rather than a scrambled order.
    """
    ordered, rest, current = [], list(pool), leaf
    while rest:
        issuer = None
        if current.cert.subject != current.cert.issuer:
            issuer = next((b for b in rest if _issued_by(current.cert, b.cert)), None)
        if issuer is None:
            issuer = next((b for b in rest if not any(
                _issued_by(other.cert, b.cert) for other in rest if other is not b)), rest[0])
        ordered.append(issuer)
        rest.remove(issuer)
        current = issuer
    return ordered


def build_bundle(private_key, certificate, chain, server_name=None, expiry_warning_days=30,
                 now=None):
    """Assemble the bundle in HAProxy's order from its parts, normalised, and check it.

    chain is a list of PEM texts in any order. Blocks are pooled by kind across the parts: the
    key, the first certificate of `certificate` as the leaf, the other certificates ordered from
    the leaf's issuer to the root, then DH parameters. Returns (text, report) where text is None
    when a part cannot be read; the report is check_bundle's, on the text.
    """
    parts = [("private_key", private_key), ("certificate", certificate)]
    parts += [("chain" if len(chain) == 1 else "chain[{0}]".format(i), text)
              for i, text in enumerate(chain)]
    errors, warns, found = [], [], {}
    for name, text in parts:
        split = split_pem(text)
        errors += ["{0}: {1}".format(name, e) for e in split.errors]
        errors += ["{0}: {1} {2}".format(name, b.describe(), b.problem)
                   for b in split.blocks if b.problem]
        warns += ["{0}: {1}".format(name, w) for w in split.warnings]
        found[name] = split.blocks
    leaf = next((b for b in found["certificate"] if b.cert is not None), None)
    if leaf is None and not errors:
        errors.append("certificate: no CERTIFICATE block: pass the server certificate in PEM")
    if errors:
        return None, {"ok": False, "errors": errors, "warnings": warns, "blocks": [],
                      "not_after": None, "days_until_expiry": None, "summary": None}
    every = [b for name, _text in parts for b in found[name]]
    keys = [b for b in every if b.label in KEY_LABELS]
    pool = [b for b in every if b.label == CERTIFICATE and b is not leaf]
    others = [b for b in every if b.label not in KEY_LABELS + (CERTIFICATE,)]
    ordered = keys + [leaf] + order_chain(leaf, pool) + others
    text = "".join(b.pem for b in ordered)
    report = check_bundle(text, server_name, expiry_warning_days, now)
    report["warnings"] = warns + report["warnings"]
    return text, report


def outline(text):
    """One line per block with public data only (subjects, fingerprints), for diffs."""
    report = check_bundle(text)
    lines = []
    for info in report["blocks"]:
        if info["subject"] is not None:
            lines.append("block {index}: {kind} ({role}) subject={subject} issuer={issuer} "
                         "not_after={not_after} sha256={sha256_fingerprint}".format(**info))
        elif info["public_key"] is not None:
            lines.append("block {index}: {kind} ({public_key}) public key sha256={sha256_fingerprint}"
                         .format(**info))
        else:
            lines.append("block {index}: {kind}".format(**info))
    return "".join(line + "\n" for line in lines)
