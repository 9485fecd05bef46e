using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Coupons.Api.Hosting;
using Coupons.Api.Tests.Contract;
using Coupons.Api.Tests.Crash;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests.Operations;

/// <summary>
/// The container image (<c>Dockerfile</c>). No container engine runs on the CI machine and no
/// registry is reachable for the base images (README, "Container image and compose"), so the image
/// itself is not built here. Instead: the Dockerfile is held to its promises (multi-stage, pinned
/// bases matching the SDK and runtime the project builds and tests on, a non-root user, the data on
/// a volume, the health check through the app), and the app, published by the Dockerfile's build
/// stage replayed (<see cref="Published"/>), is started as the image's ENTRYPOINT would start it,
/// with its ENV, WORKDIR and USER, on a read-only root filesystem (<see cref="ImageSandbox"/>).
/// </summary>
public sealed partial class ContainerImageTests(ContainerImageTests.Published published) : IClassFixture<ContainerImageTests.Published>
{
    [Fact]
    public void The_dockerfile_builds_in_the_sdk_and_runs_pinned_bases_as_a_non_root_user_with_data_on_a_volume()
    {
        var image = DockerfileSpec.Read();
        Assert.Equal(2, image.Stages.Count);
        var sdkVersion = JsonNode.Parse(File.ReadAllText(Path.Combine(CommittedDocument.RepositoryRoot(), "global.json")))!["sdk"]!["version"]!.GetValue<string>();
        Assert.Equal(("mcr.microsoft.com/dotnet/sdk:" + sdkVersion, "build"), image.Stages[0]);
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:" + Environment.Version.ToString(3), image.Stages[1].Image);

        Assert.True(int.TryParse(image.User, out var uid) && uid > 0, $"USER {image.User} is a numeric non-root user (Kubernetes' runAsNonRoot can check it)");
        Assert.Equal([image.Env["Coupons__Embedded__DataDir"]], image.Volumes);
        Assert.Equal("json", image.Env["Logging__Console__FormatterName"]);
        Assert.Equal("0", image.Env["DOTNET_EnableDiagnostics"]);
        Assert.Equal("http://+:8080", image.Env["ASPNETCORE_URLS"]);
        Assert.Equal(["8080"], image.Expose);
        Assert.Equal(["dotnet", image.WorkDir + "/Coupons.Api.dll"], image.EntryPoint);
        Assert.Equal([.. image.EntryPoint, "healthcheck"], image.HealthCheck);
        Assert.Contains("--start-period=", image.HealthCheckOptions, StringComparison.Ordinal);

        // What the build copies from the context exists, and .dockerignore keeps none of it out.
        var ignored = File.ReadAllLines(Path.Combine(CommittedDocument.RepositoryRoot(), ".dockerignore"))
            .Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.TrimStart('*', '/').TrimEnd('/')).ToList();
        Assert.Contains("bin", ignored);
        Assert.Contains("obj", ignored);
        foreach (var source in image.ContextCopies.SelectMany(c => c.Sources))
        {
            Assert.True(File.Exists(Path.Combine(CommittedDocument.RepositoryRoot(), source)) || Directory.Exists(Path.Combine(CommittedDocument.RepositoryRoot(), source)), source);
            Assert.DoesNotContain(source.Split('/')[0], ignored);
        }
    }

    [Fact]
    public async Task The_published_app_serves_claims_as_the_entry_point_starts_it_on_a_read_only_root_and_passes_its_health_check()
    {
        var port = ServerProcess.FreePort();
        var sandbox = new ImageSandbox(published.Image, published.AppDir, published.NewVolume(), port);
        var log = new ConcurrentQueue<string>();
        using var server = sandbox.Start(published.Image.EntryPoint, log);
        try
        {
            using var anonymous = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            await WaitReadyAsync(anonymous, server, log);

            // Tokens from the image itself (docker run … token --sub …), signed with the key it created on the volume.
            using var admin = await ClientAsync(sandbox, port, "--sub", "container-admin", "--role", "admin");
            using var user = await ClientAsync(sandbox, port, "--sub", "container-user");
            using var created = await admin.PostJsonAsync("/v1/campaigns", new JsonObject
            {
                ["name"] = "Container",
                ["discount"] = new JsonObject { ["type"] = "amount_off", ["amountOff"] = 100 },
                ["totalStock"] = 5,
                ["perUserLimit"] = 1,
                ["validity"] = new JsonObject { ["days"] = 1 },
            });
            var campaignId = (await created.AssertStatusAsync(HttpStatusCode.Created)).Str("id");
            using var claimed = await user.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
            Assert.Equal("unused", (await claimed.AssertStatusAsync(HttpStatusCode.Created)).Str("status"));

            // The HEALTHCHECK, as the engine runs it: in the container, with its environment.
            var health = await sandbox.RunAsync(published.Image.HealthCheck);
            Assert.True(health.ExitCode == 0, $"exit code {health.ExitCode}: {health.Output}");
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await server.WaitForExitAsync(stopped.Token);
        }

        var lines = log.ToList();
        Assert.All(lines, line => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(line).RootElement.ValueKind));
        Assert.Contains(lines, line => line.Contains("\"Category\":\"Coupons.Embedded", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("Overriding HTTP_PORTS", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal));

        // Stopped: the same check now fails, so the engine would see the container unhealthy.
        var down = await sandbox.RunAsync(published.Image.HealthCheck);
        Assert.Equal(1, down.ExitCode);
    }

    [Theory]
    [InlineData("http://+:8080", "http://127.0.0.1:8080/health/live")]
    [InlineData("http://*:80;https://*:443", "http://127.0.0.1:80/health/live")]
    [InlineData("http://[::]:5000/", "http://127.0.0.1:5000/health/live")]
    [InlineData("http://0.0.0.0:5000", "http://127.0.0.1:5000/health/live")]
    [InlineData("http://localhost:5000", "http://localhost:5000/health/live")]
    [InlineData(null, null)]
    [InlineData("", null)]
    public void The_health_check_asks_the_first_listening_address_at_loopback(string? urls, string? expected) =>
        Assert.Equal(expected, HealthCheckCommand.FromUrls(urls));

    private static async Task WaitReadyAsync(HttpClient client, Process server, ConcurrentQueue<string> log)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            Assert.False(server.HasExited, "the app exited before it was ready:\n" + string.Join('\n', log));
            try
            {
                using var ready = await client.GetAsync(new Uri("health/ready", UriKind.Relative));
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the app was not ready within 60 s:\n" + string.Join('\n', log));
    }

    private static async Task<HttpClient> ClientAsync(ImageSandbox sandbox, int port, params string[] tokenArguments)
    {
        var image = DockerfileSpec.Read();
        var (exitCode, output) = await sandbox.RunAsync([.. image.EntryPoint, "token", .. tokenArguments]);
        Assert.True(exitCode == 0, $"exit code {exitCode}: {output}");
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Jwt().Match(output).Value);
        return client;
    }

    [GeneratedRegex(@"eyJ[\w-]+\.[\w-]+\.[\w-]+")]
    private static partial Regex Jwt();

    /// <summary>The app published once for the class by the Dockerfile's build stage, into a temporary folder; and fresh volumes.</summary>
    public sealed class Published : IAsyncLifetime
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "coupons-image-" + Guid.NewGuid().ToString("N"));

        public DockerfileSpec Image { get; } = DockerfileSpec.Read();

        public string AppDir => Path.Combine(_root, "app");

        /// <summary>An empty folder owned by the image's user, as a new named volume over the image's /data is.</summary>
        public string NewVolume()
        {
            var volume = Directory.CreateDirectory(Path.Combine(_root, "volume-" + Guid.NewGuid().ToString("N"))).FullName;
            if (Environment.UserName == "root")
            {
                Run(_root, "chown", Image.User + ":" + Image.User, volume);
            }

            return volume;
        }

        /// <summary>
        /// The build stage replayed in a folder standing in for its WORKDIR: only the files its COPY
        /// lines take from the context (without bin and obj, as .dockerignore says), then its RUN
        /// lines, the publish's output moved from the image's WORKDIR to <see cref="AppDir"/>.
        /// </summary>
        public async Task InitializeAsync()
        {
            var stage = Directory.CreateDirectory(Path.Combine(_root, "build-stage")).FullName;
            foreach (var (_, _, sources, destination) in Image.ContextCopies.Where(c => c.Stage == 0))
            {
                foreach (var source in sources)
                {
                    // A folder's contents go into the destination; a file goes into a destination ending in /.
                    var isFile = File.Exists(Path.Combine(CommittedDocument.RepositoryRoot(), source));
                    CopyFromContext(source, isFile && destination.EndsWith('/') ? Path.Combine(stage, destination, Path.GetFileName(source)) : Path.Combine(stage, destination));
                }
            }

            Assert.Contains(Image.Runs, r => r.Stage == 0 && r.Command.Contains(" -o " + Image.WorkDir + " ", StringComparison.Ordinal));
            foreach (var (_, _, command) in Image.Runs.Where(r => r.Stage == 0))
            {
                await Task.Run(() => Run(stage, "sh", "-c", command.Replace(" -o " + Image.WorkDir + " ", $" -o '{AppDir}' ", StringComparison.Ordinal)));
            }
        }

        public Task DisposeAsync()
        {
            Directory.Delete(_root, recursive: true);
            return Task.CompletedTask;
        }

        private static void CopyFromContext(string source, string destination)
        {
            var from = Path.Combine(CommittedDocument.RepositoryRoot(), source);
            if (File.Exists(from))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(from, destination, overwrite: true);
                return;
            }

            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(from, file);
                if (!relative.Split('/').Any(part => part is "bin" or "obj" or "data"))
                {
                    CopyFromContext(Path.Combine(source, relative), Path.Combine(destination, relative));
                }
            }
        }

        private static void Run(string directory, string program, params string[] arguments)
        {
            var info = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}:\n{output.Result}{error.Result}");
        }
    }
}
