// Bare Kestrel with no work behind a request: what the same machine and load generator can do. The
// service's figures are read against this. /constant is the load tool's target; any other path takes
// the very requests the service gets from bench/wrk.sh (same path, headers and body), and answers a
// POST as a claim would (201 with a small JSON object) and a GET with 200.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapPost("/constant", () => Results.Text("{\"ok\":true}", "application/json"));
app.MapGet("/constant", () => Results.Text("{\"ok\":true}", "application/json"));
app.MapPost("/{**path}", () => Results.Text("{\"id\":\"0193a1c2-7d4e-7000-8000-000000000000\",\"status\":\"active\"}", "application/json", statusCode: 201));
app.MapGet("/{**path}", () => Results.Text("{\"id\":\"0193a1c2-7d4e-7000-8000-000000000000\",\"status\":\"active\"}", "application/json"));
app.Run();
