// Seed 000's assessment scoring on an embedded Ferry.
//   dotnet run --project samples/Assessment              serves on http://localhost:5000 (or --urls <url>) until Ctrl+C (data in ./assessment-data)
//   dotnet run --project samples/Assessment -- --demo    runs the scenario end to end, prints what happened, exits 0
using Assessment;

if (args.Contains("--demo"))
    return await AssessmentDemo.RunAsync(Console.Out) is { Succeeded: true } ? 0 : 1;

var urls = Array.IndexOf(args, "--urls") is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : "http://localhost:5000";
await using var app = await AssessmentApp.StartAsync(dataDirectory: "assessment-data", urls: urls);
Console.WriteLine($"Assessment API on {app.Url}, Ferry on {app.Ferry.ConnectionString()}. Try:");
Console.WriteLine($"  curl -X POST {app.Url}/api/assessments/17/submit");
Console.WriteLine($"  curl {app.Url}/api/admin/queue/status");
await app.Web.WaitForShutdownAsync();
return 0;
