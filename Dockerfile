# One image for the four services (and the market simulator); each container picks its binary.
#   docker build -t riskmonitor .
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends cmake && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p cdc-risk-engine -p llm-analyzer -p webhook-notifier -p mcp-gateway \
      -p riskmonitor-market-sim -p riskmonitor-admin \
 && mkdir /out \
 && cp target/release/cdc-risk-engine target/release/llm-analyzer target/release/webhook-notifier \
       target/release/mcp-gateway target/release/market-sim target/release/riskmonitor-admin /out/

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin riskmonitor
COPY --from=build /out/ /usr/local/bin/
USER 10001
ENV RISKMONITOR_TELEMETRY__LOG_FORMAT=json
CMD ["mcp-gateway"]
