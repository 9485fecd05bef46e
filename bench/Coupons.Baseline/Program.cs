// Bare Kestrel with one endpoint returning a constant: what the same machine and load generator
// can do with no work behind the request. The service's figures are read against this.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapPost("/constant", () => Results.Text("{\"ok\":true}", "application/json"));
app.MapGet("/constant", () => Results.Text("{\"ok\":true}", "application/json"));
app.Run();
