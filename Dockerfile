# The image the k8s/ manifests run (head, workers, job submitter).
#   docker build -t ghcr.io/rllib-nethack/rllib-nethack:0.1.0 .
# CPU torch by default; for the GPU worker group build with
#   --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu128
# Ray comes from our pin (pyproject: ray==2.60.0, the [cluster] extra adds the
# dashboard and Jobs API); k8s manifests' rayVersion must match (tests/k8s check it).
FROM python:3.11-slim

ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

# NLE's wheel links only glibc/libstdc++ (checked with ldd); the terminfo data
# is for `play`'s curses screen, procps/iproute2 for `ray status` and debugging.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libstdc++6 ncurses-base procps iproute2 \
    && rm -rf /var/lib/apt/lists/*

# Uid/gid 1000 = runAsUser/runAsGroup in k8s/base (runAsNonRoot needs a numeric user).
RUN groupadd --gid 1000 ray && useradd --uid 1000 --gid 1000 --create-home ray

COPY pyproject.toml README.md /src/
COPY rllib_nethack /src/rllib_nethack
COPY conf /src/conf
RUN pip install --no-cache-dir --index-url "${TORCH_INDEX}" "torch==${TORCH_VERSION}" \
    && pip install --no-cache-dir "/src[cluster]" \
    && rm -rf /src

USER 1000:1000
WORKDIR /home/ray
ENV PYTHONUNBUFFERED=1
