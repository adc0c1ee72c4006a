// Topics and least-privilege ACLs for the secure broker, from the pipeline's names (@tally/config).

import { DEFAULTS, type PipelineNames } from '@tally/config';
import { createTopicAndWait } from '@tally/kafka';
import kafkajs, { type AclEntry, type Admin } from 'kafkajs';

// NOTE: kafkajs is CommonJS and Node's named-export detection misses its ACL enums.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

type Grant = [principal: string, resourceType: kafkajs.AclResourceTypes, name: string, operations: kafkajs.AclOperationTypes[]];

/**
 * Least privilege: each app principal gets exactly what its requests need, nothing on any other
 * topic or group, and no cluster rights (an idempotent producer needs only WRITE on a topic since
 * Kafka 2.8). Everything not granted is denied (allow.everyone.if.no.acl.found=false).
 */
export function pipelineGrants(names: PipelineNames): Grant[] {
  const { TOPIC, GROUP } = AclResourceTypes;
  const { READ, WRITE, DESCRIBE } = AclOperationTypes;
  return [
    ['User:tally-producer', TOPIC, names.reportTopic, [WRITE, DESCRIBE]],
    ['User:tally-consumer', TOPIC, names.reportTopic, [READ, DESCRIBE]],
    ['User:tally-consumer', GROUP, names.consumerGroup, [READ, DESCRIBE]],
    ['User:tally-consumer', TOPIC, names.deadLetterTopic, [WRITE, DESCRIBE]],
    ['User:tally-reports', TOPIC, names.reportTopic, [DESCRIBE]],
    ['User:tally-reports', GROUP, names.consumerGroup, [DESCRIBE]],
  ];
}

/** The apps may not create topics, so the launcher (as admin) creates them, then grants access. */
export async function provisionPipeline(admin: Admin, names: PipelineNames): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const topics = [
    [names.reportTopic, names.partitions],
    [names.deadLetterTopic, DEFAULTS.deadLetterTopicPartitions],
  ] as const;
  for (const [topic, partitions] of topics) {
    if (!existing.has(topic)) await createTopicAndWait(admin, topic, partitions);
  }
  const acl: AclEntry[] = pipelineGrants(names).flatMap(([principal, resourceType, resourceName, operations]) =>
    operations.map((operation) => ({
      principal,
      resourceType,
      resourceName,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      host: '*',
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
  await admin.createAcls({ acl });
}
