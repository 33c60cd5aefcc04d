"""Operations: readiness (database, queue, worker), Prometheus metrics, request ids, security
headers and the throttle for the HTML pages. No models: it reads other apps' tables."""
