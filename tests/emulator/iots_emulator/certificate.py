# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The emulator's self-signed certificate: CN=localhost like IoTS' wso2carbon.jks, and its own CA.

Clients verify it by passing the certificate file as CA bundle. It carries the extensions that
strict X.509 verification (Python 3.13+, urllib3 2) asks of a CA: key usage, subject and
authority key identifiers, and subjectAltName entries for localhost and 127.0.0.1.
"""

import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_FILE = 'iots-emulator-cert.pem'
KEY_FILE = 'iots-emulator-key.pem'
VALID_DAYS = 3650


def _alt_names(hosts):
    names = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _covers(cert, hosts):
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    present = set(str(v) for v in san.get_values_for_type(x509.DNSName))
    present |= set(str(v) for v in san.get_values_for_type(x509.IPAddress))
    now = datetime.datetime.now(datetime.timezone.utc)
    return set(hosts) <= present and cert.not_valid_after_utc > now + datetime.timedelta(days=1)


def ensure_certificate(directory, extra_hosts=()):
    """Write (or reuse) the certificate and key in ``directory``; returns (cert path, key path).

    An existing pair is reused when it still covers the hosts, so a CA path handed to clients
    stays valid across emulator restarts on the same state directory.
    """
    hosts = ['localhost', '127.0.0.1']
    for host in extra_hosts:
        if host and host not in hosts and host not in ('0.0.0.0', '::'):
            hosts.append(host)
    cert_path = os.path.join(directory, CERT_FILE)
    key_path = os.path.join(directory, KEY_FILE)
    if os.path.exists(cert_path) and os.path.exists(key_path):
        with open(cert_path, 'rb') as handle:
            try:
                if _covers(x509.load_pem_x509_certificate(handle.read()), hosts):
                    return cert_path, key_path
            except ValueError:
                pass

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, 'localhost'),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'wso2.iots IoTS emulator'),
        ]
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(_alt_names(hosts)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    # The key is written 0600 from the start: never world-readable, not even for a moment.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    with open(cert_path, 'wb') as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
