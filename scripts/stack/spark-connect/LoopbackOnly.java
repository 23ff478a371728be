package summarypipeline.connect;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.sparkproject.connect.grpc.Grpc;
import org.sparkproject.connect.grpc.Metadata;
import org.sparkproject.connect.grpc.ServerCall;
import org.sparkproject.connect.grpc.ServerCallHandler;
import org.sparkproject.connect.grpc.ServerInterceptor;
import org.sparkproject.connect.grpc.Status;

/**
 * The local stack's Spark Connect server serves this machine only. Spark 3.5's server binds its gRPC port on
 * every interface (a binding address setting came with Spark 4), and it authenticates no one: this
 * interceptor (spark.connect.grpc.interceptor.classes) refuses every call whose peer is not a loopback
 * address, with PERMISSION_DENIED naming the peer. Compiled against the connect jar's shaded gRPC by
 * scripts/stack/lib/spark-connect.sh.
 */
public final class LoopbackOnly implements ServerInterceptor {
  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (peer instanceof InetSocketAddress && ((InetSocketAddress) peer).getAddress() != null
        && ((InetSocketAddress) peer).getAddress().isLoopbackAddress()) {
      return next.startCall(call, headers);
    }
    call.close(Status.PERMISSION_DENIED.withDescription(
        "this Spark Connect server serves clients on its own machine only (loopback); refused " + peer), new Metadata());
    return new ServerCall.Listener<Q>() {};
  }
}
