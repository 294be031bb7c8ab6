namespace Ferry.Jobs.Tests;

/// <summary>Pure tier: the control state's done bitmap and its JSON round trip.</summary>
public class PipelineStateTests
{
    [Fact]
    public void DoneBitmap_RoundTripsThroughTheSessionStateBytes_For100003Tasks()
    {
        const int tasks = 100_003;
        var state = new PipelineState
        {
            Input = System.Text.Json.JsonSerializer.SerializeToElement(new { n = tasks }),
            Stage = 1,
            TaskCount = tasks,
            Done = new byte[(tasks + 7) / 8],
        };
        foreach (var task in new[] { 0, 7, 8, 65_535, tasks - 1 })
            state.MarkDone(task);

        var read = PipelineState.Deserialize(state.Serialize())!;

        Assert.Equal(12_501, read.Done.Length);
        Assert.Equal([0, 7, 8, 65_535, tasks - 1], Enumerable.Range(0, tasks).Where(read.IsDone));
    }

    [Fact]
    public void NoBytes_IsNoState()
    {
        Assert.Null(PipelineState.Deserialize(null));
        Assert.Null(PipelineState.Deserialize([]));
    }
}
