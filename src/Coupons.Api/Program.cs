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

if (args.Length > 0 && args[0] == "restore")
{
    return await RestoreCommand.RunAsync(args[1..], Console.Out, Console.Error);
}

if (args.Length > 0 && args[0] == "check-config")
{
    return CheckConfigCommand.Run(args[1..], Console.Out, Console.Error);
}

if (args.Length > 0 && args[0] == "healthcheck")
{
    return await HealthCheckCommand.RunAsync(args[1..], Console.Out, Console.Error);
}

var builder = ServiceSetup.CreateBuilder(args);
builder.AddCouponsService();

var app = builder.Build();
// Bad settings stop the start: one line a problem, as check-config prints them, instead of a stack
// trace. Only when the exception leaves the process: a test host gets it as thrown.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    if (e.ExceptionObject is InvalidSettingsException invalid)
    {
        foreach (var problem in invalid.Problems)
        {
            Console.Error.WriteLine("invalid setting: " + problem);
        }

        Environment.Exit(2);
    }
};
app.MapCouponsService();
app.Run();
return 0;

/// <summary>The entry point, visible to the API tests' WebApplicationFactory.</summary>
public partial class Program;
