#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# make_certs.sh DIR -- test PKI for the DTLS interop tests, made fresh with
# the openssl command line on every run (nothing secret is checked in):
#
#   ca.crt/.key            test CA (EC P-256)
#   server.crt/.key        "localhost" (SAN DNS:localhost, IP:127.0.0.1, IP:::1), signed by ca
#   cn-ip.crt              server.key, CN "127.0.0.1" but SAN DNS:localhost only: an
#                          address must be matched in an iPAddress SAN, never in the CN
#   server-rsa.crt/.key    the same name with an RSA-2048 key (ECDHE-RSA suites)
#   client.crt/.key        client certificate signed by ca
#   expired.crt            server.key's "localhost" certificate, valid 2020-2021 only
#   other-ca.crt/.key      an unrelated CA
#   other.crt              "localhost" signed by other-ca (unknown to the client)
#   ca.der, client.der, client-key.der   DER forms for the DER credential test
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"

ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

cat > ext.cnf <<'CNF'
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment, keyAgreement
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[dns_only_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment, keyAgreement
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
[client_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = clientAuth
CNF

mkca() { # name subject
	ec "$1.key"
	openssl req -new -x509 -key "$1.key" -subj "$2" -days 30 -sha256 \
		-config ext.cnf -extensions ca_ext -out "$1.crt" 2>/dev/null
}

sign() { # key csr-subject ca out ext
	openssl req -new -key "$1" -subj "$2" -out req.csr 2>/dev/null
	openssl x509 -req -in req.csr -CA "$3.crt" -CAkey "$3.key" -CAcreateserial -days 30 \
		-sha256 -extfile ext.cnf -extensions "$5" -out "$4" 2>/dev/null
}

mkca ca "/CN=zcoap test CA"
mkca other-ca "/CN=zcoap other CA"

ec server.key
sign server.key "/CN=localhost" ca server.crt server_ext
sign server.key "/CN=localhost" other-ca other.crt server_ext
sign server.key "/CN=127.0.0.1" ca cn-ip.crt dns_only_ext

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out server-rsa.key 2>/dev/null
sign server-rsa.key "/CN=localhost" ca server-rsa.crt server_ext

ec client.key
sign client.key "/CN=zcoap test client" ca client.crt client_ext

# An expired certificate needs explicit dates, which only "openssl ca" sets.
mkdir -p cadb
: > cadb/index.txt
echo 1000 > cadb/serial
cat > ca.cnf <<'CNF'
[ca]
default_ca = test_ca
[test_ca]
database = cadb/index.txt
serial = cadb/serial
new_certs_dir = cadb
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[server_ext]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment, keyAgreement
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
CNF
openssl req -new -key server.key -subj "/CN=localhost" -out req.csr 2>/dev/null
openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in req.csr \
	-startdate 20200101000000Z -enddate 20210101000000Z -extensions server_ext \
	-out expired.crt 2>/dev/null

openssl x509 -in ca.crt -outform DER -out ca.der
openssl x509 -in client.crt -outform DER -out client.der
openssl pkey -in client.key -outform DER -out client-key.der
rm -f req.csr
