# catalog-gateway: a static binary and CA certificates on an empty base.
# Build with `make image` (it runs `make dist` and copies the CA bundle into dist/);
# the build context is only dist/ (see .dockerignore).
FROM scratch

ARG VERSION=dev
ARG REVISION=unknown

LABEL org.opencontainers.image.title="catalog-gateway" \
      org.opencontainers.image.description="GraphQL product-lookup gateway: every barcode spelling to one GS1 identity" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"

# reqwest is built with the webpki roots compiled in; the system bundle is here too
# for anything that reads SSL_CERT_FILE or the standard path.
COPY dist/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY dist/catalog-gateway /catalog-gateway

# Not root; 65532 is the conventional "nonroot" id of distroless images. The
# image has no /etc/passwd, so the id is numeric.
USER 65532:65532
EXPOSE 8080

# A scratch image has no curl: the binary probes its own /healthz on loopback
# (override the URL with CATALOG_HEALTHCHECK_URL when --listen changes the port).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/catalog-gateway", "healthcheck"]

# No CMD: without arguments the binary serves on 0.0.0.0:8080 (JSON logs when
# stdout is not a terminal); `docker run IMAGE gtin 036000291452` runs a subcommand.
ENTRYPOINT ["/catalog-gateway"]
