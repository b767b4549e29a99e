package dev.spool.kafka.api;

import dev.spool.kafka.network.Session;
import dev.spool.kafka.protocol.ParsedRequest;
import dev.spool.kafka.protocol.Response;
import dev.spool.kafka.security.AclBindings;
import dev.spool.kafka.security.Authorizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsResponse;
import org.apache.kafka.common.requests.DescribeAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreateAcls, DescribeAcls and DeleteAcls over the server's {@link Authorizer}. Without an
 * authorizer each answers SECURITY_DISABLED, as Kafka's broker does (tools such as MirrorMaker 2
 * then skip ACLs quietly). With one, they are themselves authorized as Kafka authorizes them:
 * ALTER on the cluster to create or delete, DESCRIBE on the cluster to describe.
 */
final class AclsHandler {
    private static final Logger LOG = LoggerFactory.getLogger(AclsHandler.class);
    static final String NO_AUTHORIZER = "No Authorizer is configured on the broker";
    static final String CLUSTER = AclBindings.CLUSTER_NAME;

    private final Authorizer authorizer;

    AclsHandler(Authorizer authorizer) {
        this.authorizer = authorizer;
    }

    Response describeAcls(ParsedRequest request, Session session) {
        DescribeAclsResponseData response = new DescribeAclsResponseData();
        Errors refused = refusal(session, AclOperation.DESCRIBE);
        if (refused != Errors.NONE) {
            return Response.to(request, response.setErrorCode(refused.code()).setErrorMessage(message(refused)));
        }
        AclBindingFilter filter = ((DescribeAclsRequest) request.request()).filter();
        List<AclBinding> found = authorizer.describe(filter);
        return Response.to(request, response.setErrorCode(Errors.NONE.code())
                .setResources(DescribeAclsResponse.aclsResources(found)));
    }

    Response createAcls(ParsedRequest request, Session session) {
        List<CreateAclsRequestData.AclCreation> creations = ((CreateAclsRequest) request.request()).aclCreations();
        CreateAclsResponseData response = new CreateAclsResponseData();
        Errors refused = refusal(session, AclOperation.ALTER);
        List<Optional<String>> results = null;
        if (refused == Errors.NONE) {
            // A creation kafka-clients cannot even model (pattern type MATCH, resource type ANY) is refused
            // here; the authorizer refuses the other invalid ones.
            List<AclBinding> bindings = new ArrayList<>(creations.size());
            List<Optional<String>> unmodelled = new ArrayList<>(creations.size());
            for (CreateAclsRequestData.AclCreation creation : creations) {
                try {
                    bindings.add(CreateAclsRequest.aclBinding(creation));
                    unmodelled.add(Optional.empty());
                } catch (IllegalArgumentException e) {
                    unmodelled.add(Optional.of(invalidCreation(creation, e)));
                }
            }
            try {
                List<Optional<String>> stored = authorizer.create(bindings);
                results = new ArrayList<>(creations.size());
                int next = 0;
                for (Optional<String> reason : unmodelled) {
                    results.add(reason.isPresent() ? reason : stored.get(next++));
                }
            } catch (IOException e) {
                LOG.error("CreateAcls could not write the ACL file: {}", e.getMessage(), e);
                refused = Errors.KAFKA_STORAGE_ERROR;
            }
        }
        for (int i = 0; i < creations.size(); i++) {
            CreateAclsResponseData.AclCreationResult result = new CreateAclsResponseData.AclCreationResult();
            if (refused != Errors.NONE) {
                result.setErrorCode(refused.code()).setErrorMessage(message(refused));
            } else if (results.get(i).isPresent()) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(results.get(i).get());
            }
            response.results().add(result);
        }
        return Response.to(request, response);
    }

    Response deleteAcls(ParsedRequest request, Session session) {
        List<AclBindingFilter> filters = ((DeleteAclsRequest) request.request()).filters();
        DeleteAclsResponseData response = new DeleteAclsResponseData();
        Errors refused = refusal(session, AclOperation.ALTER);
        List<List<AclBinding>> deleted = null;
        if (refused == Errors.NONE) {
            try {
                deleted = authorizer.delete(filters);
            } catch (IOException e) {
                LOG.error("DeleteAcls could not write the ACL file: {}", e.getMessage(), e);
                refused = Errors.KAFKA_STORAGE_ERROR;
            }
        }
        for (int i = 0; i < filters.size(); i++) {
            DeleteAclsResponseData.DeleteAclsFilterResult result = new DeleteAclsResponseData.DeleteAclsFilterResult();
            if (refused != Errors.NONE) {
                result.setErrorCode(refused.code()).setErrorMessage(message(refused));
            } else {
                for (AclBinding binding : deleted.get(i)) {
                    result.matchingAcls().add(DeleteAclsResponse.matchingAcl(binding, ApiError.NONE));
                }
            }
            response.filterResults().add(result);
        }
        return Response.to(request, response);
    }

    private static String invalidCreation(CreateAclsRequestData.AclCreation creation, IllegalArgumentException e) {
        PatternType pattern = PatternType.fromCode(creation.resourcePatternType());
        return pattern != PatternType.LITERAL && pattern != PatternType.PREFIXED
                ? "Invalid pattern type " + pattern + ": expected LITERAL or PREFIXED"
                : "Invalid ACL: " + e.getMessage();
    }

    /** Why the request is refused as a whole, or NONE. */
    private Errors refusal(Session session, AclOperation operation) {
        if (!authorizer.enabled()) {
            return Errors.SECURITY_DISABLED;
        }
        return authorizer.authorize(session, operation, ResourceType.CLUSTER, CLUSTER) ? Errors.NONE
                : Errors.CLUSTER_AUTHORIZATION_FAILED;
    }

    private static String message(Errors error) {
        return error == Errors.SECURITY_DISABLED ? NO_AUTHORIZER : error.message();
    }
}
