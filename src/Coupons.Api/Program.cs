using Coupons.Api.Auth;
using Coupons.Api.Hosting;

if (args.Length > 0 && args[0] == "token")
{
    return TokenIssuer.RunCommand(args[1..], Console.Out, Console.Error);
}

if (args.Length > 0 && args[0] == "reconcile")
{
    return await ReconcileCommand.RunAsync(args[1..], Console.Out, Console.Error);
}

if (args.Length > 0 && args[0] == "healthcheck")
{
    return await HealthCheckCommand.RunAsync(args[1..], Console.Out, Console.Error);
}

// Settings are read once at start. Reloading appsettings.json on change would watch the whole
// content root, where the embedded store's data lives by default, and wake on every commit.
var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
builder.AddCouponsService();

var app = builder.Build();
app.MapCouponsService();
app.Run();
return 0;

/// <summary>The entry point, visible to the API tests' WebApplicationFactory.</summary>
public partial class Program;
