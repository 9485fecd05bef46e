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

var builder = WebApplication.CreateBuilder(args);
builder.AddCouponsService();

var app = builder.Build();
app.MapCouponsService();
app.Run();
return 0;

/// <summary>The entry point, visible to the API tests' WebApplicationFactory.</summary>
public partial class Program;
