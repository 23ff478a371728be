# The Spark Connect server of the Kubernetes component (k8s/components/spark-connect, docs/spark-connect.md
# "On Kubernetes") and its executors: Python 3.11 with pyspark 3.5.7 (Spark's jars and spark-submit), Java 17,
# the Iceberg 1.10.1 runtime as the other images have it, spark-connect_2.12 3.5.7 (the same version: Maven's
# scripts/stack/maven/spark-connect/pom.xml) and the project's two gRPC interceptors, LoopbackOnly and
# ClientTokens (scripts/stack/spark-connect/), compiled against that jar's shaded gRPC. The entry point runs
# the server (`server --conf …`) or an executor (`executor`, as Spark's Kubernetes backend starts it).
# Python workers (a Python UDF, which the runner's jobs do not use) run the venv's interpreter, which has pyspark.
# Build from the repository root:
#   docker build -f docker/spark-connect.Dockerfile -t summary-pipeline/spark-connect:0.1.0 .
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm@sha256:86adf8dbadc3d6e82ee5dd2c74bec2e1c2467cdad47886280501df722372d2e1
ARG JRE_IMAGE=eclipse-temurin:17.0.16_8-jre-jammy@sha256:e90fd2b084488c0ffdd22610d44c1579e63b585c7fb83489fd815c0dc5b4e1f7
ARG MAVEN_IMAGE=maven:3.9.11-eclipse-temurin-17@sha256:e4a7ace3dc0d645ed97f8d9ad0b0d3f0b14fa8d150138f27f116d7105a639b82

# Iceberg's runtime and AWS bundle (S3FileIO) for the driver and the executors; the connect jar and the
# interceptors for the driver only.
FROM ${MAVEN_IMAGE} AS jars
WORKDIR /build
COPY scripts/toolchain/pom.xml toolchain-pom.xml
COPY docker/spark-extra-jars.pom.xml extra-pom.xml
COPY scripts/stack/maven/spark-connect/pom.xml connect-pom.xml
COPY scripts/stack/spark-connect/LoopbackOnly.java scripts/stack/spark-connect/ClientTokens.java src/
RUN mvn -B -q -f toolchain-pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/opt/toolchain/jars \
 && mvn -B -q -f extra-pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/opt/toolchain/jars \
 && mvn -B -q -f connect-pom.xml dependency:copy-dependencies -DoutputDirectory=/opt/spark-connect/jars \
 && test -f /opt/toolchain/jars/iceberg-spark-runtime-3.5_2.12-1.10.1.jar \
 && test -f /opt/spark-connect/jars/spark-connect_2.12-3.5.7.jar \
 && mkdir classes \
 && javac -nowarn -d classes -cp /opt/spark-connect/jars/spark-connect_2.12-3.5.7.jar src/*.java \
 && java -cp /opt/spark-connect/jars/spark-connect_2.12-3.5.7.jar:classes summarypipeline.connect.ClientTokens \
 && jar cf /opt/spark-connect/jars/summary-connect-interceptors.jar -C classes .

# pyspark and py4j as runner/requirements.txt pins them, each file checked against its sha256.
FROM ${PYTHON_IMAGE} AS venv
COPY runner/requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/toolchain/venv \
 && /opt/toolchain/venv/bin/pip install --no-cache-dir --disable-pip-version-check --require-hashes -r /tmp/requirements.txt

FROM ${JRE_IMAGE} AS jre

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 summary \
 && useradd --system --uid 10001 --gid 10001 --home-dir /tmp --shell /usr/sbin/nologin summary
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
COPY --from=venv /opt/toolchain/venv /opt/toolchain/venv
COPY --from=jars /opt/toolchain/jars /opt/toolchain/jars
COPY --from=jars /opt/spark-connect/jars /opt/spark-connect/jars
COPY docker/spark-defaults.conf /opt/spark-conf/spark-defaults.conf
COPY docker/spark-connect/entrypoint.sh /opt/spark-connect/entrypoint.sh
ENV HOME=/tmp \
    JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:$PATH \
    SPARK_HOME=/opt/toolchain/venv/lib/python3.11/site-packages/pyspark \
    SPARK_CONF_DIR=/opt/spark-conf \
    PYSPARK_PYTHON=/opt/toolchain/venv/bin/python \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
ENTRYPOINT ["/opt/spark-connect/entrypoint.sh"]
CMD ["executor"]
