// pnpm bench's RabbitMQ ceiling for the AMQP bridge: a consumer on RabbitMQ's own Java client
// (com.rabbitmq:amqp-client) that does nothing but ack, with the bridge's prefetch and one
// multiple-ack per `batch` deliveries. Prints "<messages> <seconds>" once it has acked them all.
// Run as a single source file: java -cp <amqp-client jars> AckOnlyConsumer.java <uri> <queue> <messages> <prefetch> <batch>
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.AMQP;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

public class AckOnlyConsumer {
  public static void main(String[] args) throws Exception {
    String uri = args[0];
    String queue = args[1];
    long messages = Long.parseLong(args[2]);
    int prefetch = Integer.parseInt(args[3]);
    int batch = Integer.parseInt(args[4]);
    ConnectionFactory factory = new ConnectionFactory();
    factory.setUri(uri);
    try (Connection connection = factory.newConnection("tally-bench-ack-only")) {
      Channel channel = connection.createChannel();
      channel.basicQos(prefetch);
      CountDownLatch done = new CountDownLatch(1);
      long[] started = {0};
      long[] count = {0};
      channel.basicConsume(queue, false, new DefaultConsumer(channel) {
        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) throws java.io.IOException {
          if (count[0] == 0) started[0] = System.nanoTime();
          count[0]++;
          if (count[0] % batch == 0 || count[0] == messages) getChannel().basicAck(envelope.getDeliveryTag(), true);
          if (count[0] == messages) done.countDown();
        }
      });
      if (!done.await(600, TimeUnit.SECONDS)) throw new IllegalStateException("only " + count[0] + " of " + messages + " delivered");
      double seconds = (System.nanoTime() - started[0]) / 1e9;
      System.out.println(messages + " " + seconds);
    }
  }
}
