# The services that run a local Spark driver in-process (classifier, spark-dispatcher, auditor) and the
# maintenance CronJob (summary-pipeline optimize): Node 20 + Python 3.11 (pyspark 3.5.7) + Java 17 + the
# Iceberg 1.10.1 runtime, laid out as scripts/setup-toolchain.sh does (TOOLCHAIN_DIR=/opt/toolchain:
# venv/ and jars/). Build from the repository root:
#   docker build -f docker/spark-app.Dockerfile -t summary-pipeline/spark-app:0.1.0 .
ARG NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm@sha256:86adf8dbadc3d6e82ee5dd2c74bec2e1c2467cdad47886280501df722372d2e1
ARG JRE_IMAGE=eclipse-temurin:17.0.16_8-jre-jammy@sha256:e90fd2b084488c0ffdd22610d44c1579e63b585c7fb83489fd815c0dc5b4e1f7
ARG MAVEN_IMAGE=maven:3.9.11-eclipse-temurin-17@sha256:e4a7ace3dc0d645ed97f8d9ad0b0d3f0b14fa8d150138f27f116d7105a639b82

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
RUN npm run build

FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The jars the runner hands to Spark (spark.jars): the project's pinned list plus iceberg-aws-bundle.
FROM ${MAVEN_IMAGE} AS jars
WORKDIR /build
COPY scripts/toolchain/pom.xml toolchain-pom.xml
COPY docker/spark-extra-jars.pom.xml extra-pom.xml
RUN mvn -B -q -f toolchain-pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/opt/toolchain/jars \
 && mvn -B -q -f extra-pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/opt/toolchain/jars \
 && test -f /opt/toolchain/jars/iceberg-spark-runtime-3.5_2.12-1.10.1.jar

# pyspark and py4j as runner/requirements.txt pins them (its runtime only; the tests' packages are in
# requirements-test.txt), each file checked against its sha256 (docs/security.md "Pinning").
FROM ${PYTHON_IMAGE} AS venv
COPY runner/requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/toolchain/venv \
 && /opt/toolchain/venv/bin/pip install --no-cache-dir --disable-pip-version-check --require-hashes -r /tmp/requirements.txt

FROM ${JRE_IMAGE} AS jre

# The runtime is the Python image (the venv's interpreter lives at the same path) plus Node and a JRE.
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 summary \
 && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --shell /usr/sbin/nologin summary
COPY --from=build /usr/local/bin/node /usr/local/bin/node
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
COPY --from=venv /opt/toolchain/venv /opt/toolchain/venv
COPY --from=jars /opt/toolchain/jars /opt/toolchain/jars
COPY docker/spark-defaults.conf /opt/spark-conf/spark-defaults.conf
ENV NODE_ENV=production \
    HOME=/tmp \
    JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:$PATH \
    TOOLCHAIN_DIR=/opt/toolchain \
    SPARK_CONF_DIR=/opt/spark-conf \
    PYTHONDONTWRITEBYTECODE=1 \
    SUMMARY_LOG_DIR=/tmp/logs
WORKDIR /app
COPY --from=prod-deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json package-lock.json ./
COPY bin bin
COPY contracts contracts
COPY config config
# The runner is started as `python -m summary_runner` with cwd /app/runner (libs/runner-client/src/runner-client.ts).
COPY runner/summary_runner runner/summary_runner
USER 10001:10001
EXPOSE 3002 3003 3004
CMD ["node", "bin/service.js", "classifier"]
