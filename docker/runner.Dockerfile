# The EMR on EKS job image: EMR's Spark 3.5 image plus the summary runner, Python 3.11 (the runner's
# minimum) and the Iceberg 1.10.1 jars the project pins. The launcher (docs/emr-on-eks.md) then takes
# its entry point and --py-files from the image (EMR_RUNNER_ENTRYPOINT / EMR_RUNNER_PY_FILES =
# local:///usr/local/lib/summary-runner/...) instead of the S3 upload. Build from the repository root,
# push to ECR and name it in EMR_SPARK_SUBMIT_PARAMETERS (--conf spark.kubernetes.container.image=...):
#   docker build -f docker/runner.Dockerfile -t summary-pipeline/runner:0.1.0 .
# The base is the EMR release the jobs use (EMR_RELEASE_LABEL emr-7.5.0-latest). AWS publishes it as
# emr-7.5.0:latest and republishes that tag with security fixes, so it is pinned by digest, from
# deploy/images.lock (docs/security.md "Pinning"). The digest there is a PLACEHOLDER (no registry was
# reachable where this was written): the build fails until it is set to what :latest resolves to.
ARG EMR_BASE_IMAGE=public.ecr.aws/emr-on-eks/spark/emr-7.5.0@sha256:0000000000000000000000000000000000000000000000000000000000000000
# The Python 3.11 package of Amazon Linux 2023 (EMR 7.x), pinned by version. NOT VERIFIED against the
# emr-7.5.0 image here: this is the version public AL2023 package lists show. If dnf answers "No match
# for argument", run `dnf list --showduplicates python3.11` in the base image and set the version it has.
ARG PYTHON311_RPM=python3.11-3.11.14-1.amzn2023.0.6
ARG MAVEN_IMAGE=maven:3.9.11-eclipse-temurin-17@sha256:e4a7ace3dc0d645ed97f8d9ad0b0d3f0b14fa8d150138f27f116d7105a639b82

FROM ${MAVEN_IMAGE} AS jars
WORKDIR /build
COPY scripts/toolchain/pom.xml toolchain-pom.xml
COPY docker/spark-extra-jars.pom.xml extra-pom.xml
RUN mvn -B -q -f toolchain-pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/jars \
 && mvn -B -q -f extra-pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/jars \
 && test -f /jars/iceberg-spark-runtime-3.5_2.12-1.10.1.jar

FROM ${EMR_BASE_IMAGE}
USER root
# Amazon Linux 2023 (EMR 7.x) ships python3.11 as a package; EMR's own pyspark runs on it.
ARG PYTHON311_RPM
RUN dnf install -y ${PYTHON311_RPM} && dnf clean all
COPY --from=jars /jars/ /usr/local/lib/summary-runner/jars/
COPY runner/summary_runner /tmp/summary-runner-src/summary_runner
COPY runner/summary_runner_main.py /usr/local/lib/summary-runner/summary_runner_main.py
# The package as the zip the launcher passes with --py-files (what npm run emr:upload-runner uploads).
RUN cd /tmp/summary-runner-src \
 && python3.11 -c "import pathlib, zipfile; \
      z = zipfile.ZipFile('/usr/local/lib/summary-runner/summary_runner.zip', 'w', zipfile.ZIP_DEFLATED); \
      [z.write(p, p.as_posix()) for p in sorted(pathlib.Path('summary_runner').rglob('*.py'))]; \
      z.close()" \
 && rm -rf /tmp/summary-runner-src
# Pass the jars with --jars local:///usr/local/lib/summary-runner/jars/iceberg-spark-runtime-3.5_2.12-1.10.1.jar,...
# (k8s/overlays/prod/emr.env); PYSPARK_PYTHON makes driver and executors use Python 3.11.
ENV PYSPARK_PYTHON=/usr/bin/python3.11 \
    PYSPARK_DRIVER_PYTHON=/usr/bin/python3.11 \
    PYTHONDONTWRITEBYTECODE=1
# EMR on EKS images must end as the hadoop user.
USER hadoop:hadoop
