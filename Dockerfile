# The API as a container image (README, "Container image and compose"):
#   docker build -t coupons-api .
#   docker run --read-only -v coupons-data:/data -p 8080:8080 coupons-api
# Built and published in the SDK image, run in the ASP.NET Core runtime image as a non-root user
# (1654, the image's "app"). The process writes only under /data (the embedded store, and keys it
# creates when none is given): a volume, so the root filesystem can be read-only. ContainerTests
# starts the published app with this file's ENV, WORKDIR, ENTRYPOINT and HEALTHCHECK.

# The SDK of global.json and the runtime the tests run on.
FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
WORKDIR /src
# Restore first, from the project files only, so that a source change reuses the restored layer.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY build/ServerRuntime.props build/
COPY src/Coupons.Api/Coupons.Api.csproj src/Coupons.Api/
COPY src/Coupons.Core/Coupons.Core.csproj src/Coupons.Core/
COPY src/Coupons.Embedded/Coupons.Embedded.csproj src/Coupons.Embedded/
COPY src/Coupons.Redis/Coupons.Redis.csproj src/Coupons.Redis/
COPY src/Coupons.Redis.Layout/Coupons.Redis.Layout.csproj src/Coupons.Redis.Layout/
COPY src/Coupons.Postgres/Coupons.Postgres.csproj src/Coupons.Postgres/
RUN dotnet restore src/Coupons.Api/Coupons.Api.csproj
COPY src/ src/
RUN dotnet publish src/Coupons.Api/Coupons.Api.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12 AS runtime
WORKDIR /app
# Owned by root, so the process cannot change its own code.
COPY --from=build /app ./
# The data folder belongs to the user, so a named volume mounted there starts writable.
RUN mkdir /data && chown 1654:1654 /data
VOLUME /data
# ASPNETCORE_HTTP_PORTS (8080 in the base image) emptied: ASPNETCORE_URLS says where to listen.
# No diagnostics IPC socket in /tmp, which a read-only root does not have writable.
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_HTTP_PORTS= \
    Coupons__Embedded__DataDir=/data \
    Logging__Console__FormatterName=json \
    DOTNET_EnableDiagnostics=0
EXPOSE 8080
USER 1654
# The runtime image has no curl: the app's own "healthcheck" command asks /health/live on
# ASPNETCORE_URLS's port and exits with 0 on 200.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["dotnet", "/app/Coupons.Api.dll", "healthcheck"]
ENTRYPOINT ["dotnet", "/app/Coupons.Api.dll"]
