using Amqp;

namespace Ferry.Jobs;

/// <summary>Claims-based security on <c>$cbs</c>: put-token with a SAS token for an audience (reference §2).</summary>
internal sealed class CbsClient(Connection connection, ServiceBusEndpoint endpoint, TimeProvider time)
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    private readonly RequestResponseLink _link = new(connection, "$cbs");

    public bool IsClosed => _link.IsClosed;

    /// <summary>Puts a token for the audience; returns when the broker answered 200/202.</summary>
    /// <exception cref="ServiceBusRequestException">The broker refused the token.</exception>
    public async Task PutTokenAsync(string audience, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var token = SharedAccessSignature.Create(audience, endpoint.SharedAccessKeyName, endpoint.SharedAccessKey,
            time.GetUtcNow() + TokenLifetime);
        var response = await _link.RequestAsync("put-token", token, timeout, cancellationToken, properties =>
        {
            properties["type"] = "servicebus.windows.net:sastoken";
            properties["name"] = audience;
        }).ConfigureAwait(false);
        var (status, condition, description) = RequestResponseLink.ReadStatus(response);
        if (status is not (200 or 202))
            throw new ServiceBusRequestException("put-token", status, condition, description);
    }

    public Task CloseAsync() => _link.CloseAsync();
}
