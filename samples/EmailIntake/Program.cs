// Seed 003's email intake on an embedded Ferry: emails are submitted in batches and scored in batches that fit a
// model's context (400K tokens, 10K reserved), with a deterministic local scorer standing in for the model.
//   dotnet run --project samples/EmailIntake              serves on http://localhost:5001 (or --urls <url>) until Ctrl+C
//   dotnet run --project samples/EmailIntake -- --demo    runs the scenario end to end, prints what happened, exits 0
using EmailIntake;

if (args.Contains("--demo"))
    return await EmailDemo.RunAsync(Console.Out) is { Succeeded: true } ? 0 : 1;

var urls = Array.IndexOf(args, "--urls") is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : "http://localhost:5001";
await using var app = await EmailIntakeApp.StartAsync(urls);
Console.WriteLine($"Email intake on {app.Url}. Try:");
Console.WriteLine($"  curl -X POST {app.Url}/batch/submit -H 'Content-Type: application/json' " +
    "-d '[{\"emailId\":\"1\",\"from\":\"a@example.com\",\"subject\":\"Invoice\",\"body\":\"Please pay\"}]'");
Console.WriteLine($"  curl {app.Url}/batch/status/<batch_id>      curl {app.Url}/batch/queue/status");
Console.WriteLine($"  curl -X POST '{app.Url}/batch/queues/email-intake/dead-letters/replay?max=10'");
await app.Web.WaitForShutdownAsync();
return 0;
